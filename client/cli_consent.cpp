#include "client/cli_parts.h"

#include <CLI/CLI.hpp>

namespace kinvault::client {

// Filled by the consent work (issue 3).
void register_consent_commands(CLI::App& app, Cli& cli, int& rc) {
    (void)app;
    (void)cli;
    (void)rc;
}

} // namespace kinvault::client
