// Who is asking and from where. Built by the HTTP layer from the authenticated session; services take it
// explicitly (no global lookups) and copy the request facts into every audit entry.
#pragma once

#include "domain/types.h"

#include <string>

namespace kinvault::services {

struct RequestInfo {
    std::string client_address;
    std::string user_agent;
};

struct Principal {
    std::string user_id;
    domain::AccountKind kind{domain::AccountKind::member};
    std::string email;
    std::string name;
    std::string session_hash;
    std::string auth_method; // "password", "password+totp"
    [[nodiscard]] bool is_clinician() const { return kind == domain::AccountKind::clinician; }
};

} // namespace kinvault::services
