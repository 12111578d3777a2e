#include "http/exchange.h"

#include "common/utf8.h"
#include "json/poco.h"
#include "json/writer.h"

#include <Poco/JSON/Array.h>
#include <Poco/Logger.h>
#include <Poco/URI.h>

#include <sstream>

namespace kinvault::http {

int status_for(Errc code) {
    switch (code) {
    case Errc::invalid_input:
        return 400;
    case Errc::unauthenticated:
    case Errc::second_factor:
        return 401;
    case Errc::forbidden:
        return 403;
    case Errc::not_found:
        return 404;
    case Errc::conflict:
        return 409;
    case Errc::gone:
        return 410;
    case Errc::payload_too_large:
        return 413;
    case Errc::unsupported_media:
        return 415;
    case Errc::unprocessable:
        return 422;
    case Errc::rate_limited:
        return 429;
    case Errc::integrity:
    case Errc::internal:
        return 500;
    case Errc::unavailable:
        return 503;
    }
    return 500;
}

Exchange::Exchange(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                   std::map<std::string, std::string> params, services::RequestInfo info)
    : request(req), response(resp), m_params(std::move(params)), m_info(std::move(info)) {
    try {
        const Poco::URI uri(req.getURI());
        for (const auto& [k, v] : uri.getQueryParameters()) {
            m_query[k] = v;
        }
    } catch (const Poco::Exception&) {
        // A malformed query string leaves no parameters; handlers then report what is missing.
    }
}

const std::string& Exchange::param(const std::string& name) const {
    static const std::string empty;
    const auto it = m_params.find(name);
    return it == m_params.end() ? empty : it->second;
}

std::string Exchange::query(const std::string& name, const std::string& fallback) const {
    const auto it = m_query.find(name);
    return it == m_query.end() ? fallback : it->second;
}

std::string loggable(std::string_view caller_text) {
    const std::string_view cut = utf8::prefix(caller_text, k_log_value_bytes);
    std::string out = json::quote(cut);
    if (cut.size() < caller_text.size()) {
        out += "...(" + std::to_string(caller_text.size()) + " bytes)";
    }
    return out;
}

BodyPtr Exchange::body(json::Keys keys) {
    constexpr std::size_t limit = 1 << 20;
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
        response.setKeepAlive(false);
        send_error(Errc::payload_too_large, "The request body is too large.");
        return {};
    }
    std::string text;
    std::istream& in = request.stream();
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > limit) {
            response.setKeepAlive(false);
            send_error(Errc::payload_too_large, "The request body is too large.");
            return {};
        }
    }
    if (text.empty()) {
        return BodyPtr(std::make_unique<Body>(json::Value::object({}), keys));
    }
    auto parsed = json::parse(text);
    if (!parsed.value) {
        json::Problems problems;
        problems.add(parsed.failure.path, "the body is not valid JSON: " + parsed.failure.problem);
        send_problems(problems);
        return {};
    }
    if (parsed.value->kind() != json::Value::Kind::object) {
        json::Problems problems;
        problems.add("", "the body must be a JSON object, got " +
                             std::string(json::kind_name(parsed.value->kind())));
        send_problems(problems);
        return {};
    }
    return BodyPtr(std::make_unique<Body>(std::move(*parsed.value), keys));
}

bool Exchange::body_ok(Body& body) {
    if (body.root().ok()) {
        return true;
    }
    send_problems(body.problems());
    return false;
}

void Exchange::send_problems(const json::Problems& problems) {
    // Paths name the caller's own keys; a bounded answer however long those are.
    constexpr std::size_t max_listed = 50;
    auto bounded = [](const std::string& text) { return std::string(utf8::prefix(text, k_log_value_bytes)); };
    Poco::JSON::Array::Ptr fields = new Poco::JSON::Array();
    std::string message =
        problems.list().size() == 1
            ? "The request body has a problem: "
            : "The request body has " + std::to_string(problems.list().size()) + " problems: ";
    std::size_t listed = 0;
    for (const auto& p : problems.list()) {
        if (listed++ == max_listed) {
            break;
        }
        Poco::JSON::Object::Ptr f = new Poco::JSON::Object();
        f->set("path", bounded(p.path));
        f->set("problem", bounded(p.problem));
        fields->add(f);
        message += listed > 1 ? "; " : "";
        message += p.path.empty() ? bounded(p.problem) : bounded(p.path) + ": " + bounded(p.problem);
    }
    message += ".";
    Poco::JSON::Object::Ptr inner = new Poco::JSON::Object();
    inner->set("code", std::string(errc_name(Errc::invalid_input)));
    inner->set("message", message);
    inner->set("fields", fields);
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object();
    out->set("error", inner);
    send_json(400, out);
}

void Exchange::send_json(int status, const Poco::JSON::Object::Ptr& body) {
    const std::string text = json::write_poco(body);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json; charset=utf-8");
    response.setContentLength64(static_cast<Poco::Int64>(text.size()));
    response.sendBuffer(text.data(), text.size());
    m_sent = true;
}

void Exchange::send_json(int status, const Poco::JSON::Array::Ptr& body) {
    Poco::JSON::Object::Ptr wrapper = new Poco::JSON::Object();
    wrapper->set("items", body);
    send_json(status, wrapper);
}

void Exchange::send_error(const Error& error) {
    if (m_sent) {
        return;
    }
    if (error.code == Errc::internal || error.code == Errc::integrity || error.code == Errc::unavailable) {
        // The detail stays in the server log (no secrets or document names are ever put in error messages).
        Poco::Logger::get("kinvault.http")
            .error("%s on %s: %s", std::string(errc_name(error.code)), request.getMethod(),
                   loggable(error.message));
    }
    Poco::JSON::Object::Ptr inner = new Poco::JSON::Object();
    inner->set("code", std::string(errc_name(error.code)));
    // Internal errors keep their detail in the log only; the person sees a plain sentence.
    inner->set("message", error.code == Errc::internal
                              ? std::string("Something went wrong on our side. Please try again.")
                              : error.message);
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("error", inner);
    const int status = status_for(error.code);
    if (status == 401) {
        response.set("WWW-Authenticate", "Bearer realm=\"kinvault\"");
    }
    send_json(status, body);
}

void Exchange::send_error_status(int status, Errc code, const std::string& message) {
    Poco::JSON::Object::Ptr inner = new Poco::JSON::Object();
    inner->set("code", std::string(errc_name(code)));
    inner->set("message", message);
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("error", inner);
    send_json(status, body);
}

void Exchange::send_no_content() {
    response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
    m_sent = true;
}

std::string get_string(const BodyPtr& body, std::string_view key, std::string_view fallback) {
    const json::Value* v = body ? (*body).value().find(key) : nullptr;
    return v != nullptr && v->kind() == json::Value::Kind::string ? v->text() : std::string(fallback);
}

} // namespace kinvault::http
