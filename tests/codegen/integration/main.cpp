// Compiles against the generated headers (found through shop_api's include dir) and links the
// generated library; run.sh only needs it to build.
#include "models.hpp"

int main() { return 0; }
