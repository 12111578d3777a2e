#include "http/api.h"

namespace kinvault::http {

// Filled by the consent work (issue 3).
void Api::add_consent_routes() {}

} // namespace kinvault::http
