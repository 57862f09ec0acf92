#pragma once
// Exit codes of every katana command.
namespace katana::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1; // the input has errors, or the command could not do its work
inline constexpr int exit_usage = 2;  // bad command line

} // namespace katana::cli
