#pragma once
// Picking a TCP port for a server under test.
#include <cstdint>

namespace katana::test {

// Binds 127.0.0.1:0, reads the port the kernel chose, closes the socket. Another process may take
// the port before the caller binds it (an unavoidable race); servers started by the harness fail
// loudly in that case rather than talking to a stranger. Returns 0 when no socket could be bound.
[[nodiscard]] std::uint16_t free_tcp_port();

} // namespace katana::test
