#pragma once
// Everything tests/support offers, for tests that want it all in one include.
#include "support/paths.hpp"
#include "support/pg_server.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/tcp_client.hpp"
#include "support/temp_dir.hpp"
#include "support/user.hpp"
