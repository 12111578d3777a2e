// Reading a secret from the terminal without echo, straight into secure memory. Passwords never come from
// the command line (they would show in `ps` and shell history).
#pragma once

#include "common/result.h"
#include "crypto/secret.h"

#include <string>

namespace kinvault::crypto {

// Prompts on /dev/tty. Fails when there is no terminal.
[[nodiscard]] Result<Secret> prompt_secret(const std::string& prompt);
// Reads an environment variable into a Secret; nullopt-like empty Secret when unset.
[[nodiscard]] Secret secret_from_env(const char* name);

} // namespace kinvault::crypto
