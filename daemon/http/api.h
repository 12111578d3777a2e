// The REST API under /api/v1 (documented in docs/openapi.yaml; a test keeps the two in step).
#pragma once

#include "http/router.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/cases.h"
#include "services/consent.h"
#include "services/documents/vault.h"
#include "services/signing.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <atomic>
#include <string>

namespace kinvault::http {

struct ServiceSet {
    services::Accounts& accounts;
    services::Cases& cases;
    services::Vault& vault;
    services::AuditLog& audit;
    services::Signing& signing;
    services::Rois& rois;
    services::RoiLifecycle& roi_lifecycle;
    services::Orders& orders;
    services::Letters& letters;
    services::CaseFactsService& case_facts;
    services::Reports& reports;
};

struct ApiOptions {
    std::string public_url; // e.g. https://localhost:8443 (invitation links)
    std::string version{"0.1.0"};
    std::string web_root; // directory of the browser pages; empty: none
};

class Api {
public:
    Api(ServiceSet services, ApiOptions options);

    [[nodiscard]] const Router& router() const { return m_router; }
    [[nodiscard]] const ApiOptions& options() const { return m_options; }
    // The public URL is known only once the listening port is (port 0 picks one).
    void set_public_url(std::string url) { m_options.public_url = std::move(url); }
    [[nodiscard]] services::Accounts& accounts() { return m_s.accounts; }

    // Routes that work without a session.
    [[nodiscard]] static bool is_public(const Route& route);

private:
    void add_account_routes();
    void add_case_routes();
    void add_document_routes();
    void add_audit_routes();
    void add_envelope_routes(); // api_envelopes.cpp (e-signing)
    void add_consent_routes();  // api_consent.cpp (ROIs, court orders, readiness, letters, disclosures)

    ServiceSet m_s;
    ApiOptions m_options;
    Router m_router;
};

// Builds the Poco handler factory: routing, authentication, CSRF for cookie sessions, security headers,
// one log line per request (method, route, status, latency; never ids of documents' contents or secrets).
[[nodiscard]] Poco::Net::HTTPRequestHandlerFactory* make_handler_factory(Api& api,
                                                                         std::uint64_t max_upload_bytes);

inline constexpr const char* k_session_cookie = "__Host-kinvault";

} // namespace kinvault::http
