// One HTTP request/response pair as the handlers see it: parameters, the authenticated principal, JSON
// helpers and the single place where errors become statuses.
#pragma once

#include "common/result.h"
#include "services/context.h"
#include "json/reader.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kinvault::http {

// Errc -> HTTP status, in one place (architecture.md "Errors").
[[nodiscard]] int status_for(Errc code);

// At most this much of any caller-supplied text goes into the server log, escaped (json::quote), so a
// caller can neither flood the log nor forge lines in it.
inline constexpr std::size_t k_log_value_bytes = 200;
[[nodiscard]] std::string loggable(std::string_view caller_text);

// A request body read through the strict reader (json/reader.h): the parsed document, the problems found in
// it, and its root object. Read every key, then call Exchange::body_ok().
class Body {
public:
    Body(json::Value value, json::Keys keys)
        : m_value(std::move(value)), m_root(m_value, m_problems, "", keys) {
        m_root.absence_judged_later();
    }
    Body(const Body&) = delete;
    Body& operator=(const Body&) = delete;

    json::Object* operator->() { return &m_root; }
    [[nodiscard]] json::Object& root() { return m_root; }
    [[nodiscard]] const json::Value& value() const { return m_value; }
    [[nodiscard]] json::Problems& problems() { return m_problems; }

private:
    json::Value m_value;
    json::Problems m_problems;
    json::Object m_root;
};

// What Exchange::body() hands a handler: `body->required_string("name")` reads from the root object,
// `*body` is the Body; empty when the error response was already sent.
class BodyPtr {
public:
    BodyPtr() = default;
    explicit BodyPtr(std::unique_ptr<Body> body) : m_body(std::move(body)) {}
    explicit operator bool() const noexcept { return m_body != nullptr; }
    json::Object* operator->() const { return &m_body->root(); }
    Body& operator*() const { return *m_body; }
    [[nodiscard]] Body* get() const noexcept { return m_body.get(); }

private:
    std::unique_ptr<Body> m_body;
};

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

    // Parses the body strictly (at most 1 MiB; json/value.h says what is refused). An empty body reads as {}.
    // nullptr when the body is too large or not JSON: the error response is already sent. `keys` says
    // whether a key the handler does not read is refused (the default) or left to a codec that checks keys.
    [[nodiscard]] BodyPtr body(json::Keys keys = json::Keys::known_only);
    // Finishes the body's root object; if anything in the body was wrong, answers 400 naming every field at
    // fault and returns false.
    [[nodiscard]] bool body_ok(Body& body);
    // A 400 listing problems: {"error":{"code":"invalid_input","message":...,"fields":[{"path","problem"}]}}.
    void send_problems(const json::Problems& problems);

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

// The text under `key` in a body whose reader already checked it (or `fallback`): lets a handler read every
// key up front, call body_ok(), and still name the value where it is used.
[[nodiscard]] std::string get_string(const BodyPtr& body, std::string_view key,
                                     std::string_view fallback = "");

} // namespace kinvault::http
