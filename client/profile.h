// The CLI's saved session: server, CA, bearer token and the last audit checkpoint it verified. Lives in
// $XDG_CONFIG_HOME/kinvault/profile.json (else ~/.config/kinvault/), directory 0700, file 0600, so several
// users can be driven side by side with different XDG_CONFIG_HOME values.
#pragma once

#include "common/result.h"

#include <string>

namespace kinvault::client {

struct Profile {
    std::string server;
    std::string ca;
    std::string token;
    std::string email;
    std::string audit_checkpoint;   // the last checkpoint note `audit verify` accepted
    std::string audit_verifier_key; // pinned on first use
};

[[nodiscard]] std::string config_dir();
[[nodiscard]] Result<Profile> load_profile();
[[nodiscard]] Status save_profile(const Profile& profile);

} // namespace kinvault::client
