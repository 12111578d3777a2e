// One HTTP request/response pair as the handlers see it: parameters, the authenticated principal, JSON
// helpers and the single place where errors become statuses.
#pragma once

#include "common/result.h"
#include "services/context.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <map>
#include <optional>
#include <string>

namespace kinvault::http {

// Errc -> HTTP status, in one place (architecture.md "Errors").
[[nodiscard]] int status_for(Errc code);

class Exchange {
public:
    Exchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
             std::map<std::string, std::string> params, services::RequestInfo info);

    Poco::Net::HTTPServerRequest& request;
    Poco::Net::HTTPServerResponse& response;

    [[nodiscard]] const std::string& param(const std::string& name) const;
    [[nodiscard]] std::string query(const std::string& name, const std::string& fallback = "") const;
    [[nodiscard]] const services::RequestInfo& info() const { return m_info; }

    // The signed-in person; set by the dispatcher for routes that need one.
    std::optional<services::Principal> principal;
    [[nodiscard]] const services::Principal& who() const { return *principal; }

    // Parses the body as a JSON object (at most 1 MiB). On failure the error response is already sent.
    [[nodiscard]] Poco::JSON::Object::Ptr json_body();

    void send_json(int status, const Poco::JSON::Object::Ptr& body);
    void send_json(int status, const Poco::JSON::Array::Ptr& body);
    void send_error(const Error& error);
    void send_error(Errc code, const std::string& message) { send_error(make_error(code, message)); }
    // An error answer with a status other than the code's usual one (e.g. 405).
    void send_error_status(int status, Errc code, const std::string& message);
    void send_no_content();

    [[nodiscard]] bool sent() const { return m_sent; }
    // For handlers that stream their own body.
    void mark_sent() { m_sent = true; }

private:
    std::map<std::string, std::string> m_params;
    std::map<std::string, std::string> m_query;
    services::RequestInfo m_info;
    bool m_sent{false};
};

// Helpers to read JSON fields with clear errors.
[[nodiscard]] std::string get_string(const Poco::JSON::Object::Ptr& obj, const std::string& key,
                                     const std::string& fallback = "");

} // namespace kinvault::http
