#include "http/api.h"

#include "http/exchange.h"
#include "http/web_static.h"

namespace kinvault::http {

Api::Api(ServiceSet services, ApiOptions options) : m_s(services), m_options(std::move(options)) {
    add_account_routes();
    add_case_routes();
    add_document_routes();
    add_audit_routes();
    add_envelope_routes();
    add_consent_routes();
    if (!m_options.web_root.empty()) {
        add_web_routes(m_router, m_options.web_root);
    }
}

bool Api::is_public(const Route& route) {
    static const char* const open_routes[] = {
        "/api/v1/health",
        "/api/v1/sessions",
        "/api/v1/invitations/peek",
        "/api/v1/invitations/accept",
    };
    if (route.method == "DELETE") {
        return false;
    }
    for (const char* p : open_routes) {
        if (route.pattern == p) {
            return true;
        }
    }
    return route.pattern.rfind("/api/", 0) != 0; // browser pages and assets
}

} // namespace kinvault::http
