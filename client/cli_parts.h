// Each group of `kinvault` commands registers itself on the CLI11 app (one file per group keeps the heavy
// CLI11 header out of the command implementations).
#pragma once

#include "client/commands.h"

namespace CLI {
class App;
}

namespace kinvault::client {

// `rc` receives the exit code of the command that ran.
void register_envelope_commands(CLI::App& app, Cli& cli, int& rc);
void register_consent_commands(CLI::App& app, Cli& cli, int& rc);

} // namespace kinvault::client
