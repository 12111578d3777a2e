#include "http/exchange.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
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

Poco::JSON::Object::Ptr Exchange::json_body() {
    constexpr std::size_t limit = 1 << 20;
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
        response.setKeepAlive(false);
        send_error(Errc::payload_too_large, "The request body is too large.");
        return nullptr;
    }
    std::string body;
    std::istream& in = request.stream();
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        body.append(buf, static_cast<std::size_t>(in.gcount()));
        if (body.size() > limit) {
            response.setKeepAlive(false);
            send_error(Errc::payload_too_large, "The request body is too large.");
            return nullptr;
        }
    }
    if (body.empty()) {
        return new Poco::JSON::Object();
    }
    try {
        Poco::JSON::Parser parser;
        const Poco::Dynamic::Var parsed = parser.parse(body);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            send_error(Errc::invalid_input, "The request body must be a JSON object.");
            return nullptr;
        }
        return parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        send_error(Errc::invalid_input, "The request body is not valid JSON.");
        return nullptr;
    }
}

void Exchange::send_json(int status, const Poco::JSON::Object::Ptr& body) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(body, out);
    const std::string text = out.str();
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
            .error("%s on %s: %s", std::string(errc_name(error.code)), request.getMethod(), error.message);
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

std::string get_string(const Poco::JSON::Object::Ptr& obj, const std::string& key,
                       const std::string& fallback) {
    if (!obj || !obj->has(key) || obj->isNull(key)) {
        return fallback;
    }
    try {
        return obj->getValue<std::string>(key);
    } catch (const Poco::Exception&) {
        return fallback;
    }
}

} // namespace kinvault::http
