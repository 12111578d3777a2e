#include "http/api.h"
#include "http/exchange.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <chrono>

namespace kinvault::http {

namespace {

std::string bearer_token(const Poco::Net::HTTPServerRequest& request, bool& from_cookie) {
    from_cookie = false;
    const std::string auth = request.get("Authorization", "");
    if (auth.rfind("Bearer ", 0) == 0) {
        return auth.substr(7);
    }
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    const std::string c = cookies.get(k_session_cookie, "");
    if (!c.empty()) {
        from_cookie = true;
    }
    return c;
}

void security_headers(Poco::Net::HTTPServerResponse& response, bool api) {
    response.set("Strict-Transport-Security", "max-age=31536000");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
    response.set("Cross-Origin-Opener-Policy", "same-origin");
    response.set("Cross-Origin-Resource-Policy", "same-origin");
    response.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    // No inline scripts anywhere; the pages load their scripts from the daemon itself.
    response.set("Content-Security-Policy",
                 api ? "default-src 'none'; frame-ancestors 'none'"
                     : "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                       "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                       "form-action 'self'; frame-ancestors 'none'");
    // Documents and API answers must never sit in a browser or proxy cache.
    response.set("Cache-Control", "no-store");
    response.set("Pragma", "no-cache");
}

// A body the handler did not read would be parsed as the next request on a kept-alive connection. Read and
// drop what is left (up to 1 MiB); past that, close the connection instead of reading more.
void drain_body(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    if (!response.getKeepAlive()) {
        return;
    }
    std::istream& in = request.stream();
    char buf[16384];
    std::size_t total = 0;
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        total += static_cast<std::size_t>(in.gcount());
        if (total > (1u << 20)) {
            response.setKeepAlive(false);
            return;
        }
    }
}

class DispatchHandler final : public Poco::Net::HTTPRequestHandler {
public:
    DispatchHandler(Api& api, RouteMatch match) : m_api(api), m_match(std::move(match)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        const auto start = std::chrono::steady_clock::now();
        services::RequestInfo info;
        info.client_address = request.clientAddress().host().toString();
        info.user_agent = request.get("User-Agent", "");
        const std::string route =
            m_match.route != nullptr ? m_match.route->pattern : std::string("(unmatched)");
        const bool is_api = request.getURI().rfind("/api/", 0) == 0;
        security_headers(response, is_api);
        Exchange ex(request, response, m_match.params, info);
        try {
            dispatch(ex);
            drain_body(request, response);
        } catch (const Poco::Exception& e) {
            Poco::Logger::get("kinvault.http")
                .error("handler failed on %s: %s", route, loggable(e.displayText()));
            ex.send_error(Errc::internal, e.displayText());
        } catch (const std::exception& e) {
            Poco::Logger::get("kinvault.http").error("handler failed on %s: %s", route, loggable(e.what()));
            ex.send_error(Errc::internal, e.what());
        }
        const auto ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        // One line per request: method, route pattern (ids and tokens stay out), status, latency.
        Poco::Logger::get("kinvault.http")
            .information("%s %s %d %.1fms", request.getMethod(), route,
                         static_cast<int>(response.getStatus()), ms);
    }

private:
    void dispatch(Exchange& ex) {
        if (ex.response.getStatus() == Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE) {
            ex.response.setKeepAlive(false);
            ex.send_error(Errc::payload_too_large, "The file is larger than this server accepts.");
            return;
        }
        if (m_match.route == nullptr) {
            if (m_match.path_known) {
                ex.send_error_status(405, Errc::invalid_input, "That method is not allowed here.");
            } else {
                ex.send_error(Errc::not_found, "No such resource.");
            }
            return;
        }
        if (!Api::is_public(*m_match.route)) {
            bool from_cookie = false;
            const std::string token = bearer_token(ex.request, from_cookie);
            auto principal = m_api.accounts().authenticate(token);
            if (!principal) {
                ex.send_error(principal.error());
                return;
            }
            // Browser sessions ride on a cookie, so state changes need the CSRF token as well (a header a
            // cross-site form cannot set). Bearer tokens are not sent automatically and need none.
            const std::string& method = ex.request.getMethod();
            if (from_cookie && method != "GET" && method != "HEAD") {
                if (!m_api.accounts().check_csrf(*principal, ex.request.get("X-CSRF-Token", ""))) {
                    ex.send_error(Errc::forbidden, "The form has expired; reload the page and try again.");
                    return;
                }
            }
            ex.principal = std::move(principal).value();
        }
        m_match.route->handler(ex);
        if (!ex.sent()) {
            ex.send_error(Errc::internal, "handler produced no response");
        }
    }

    Api& m_api;
    RouteMatch m_match;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(Api& api, std::uint64_t max_upload) : m_api(api), m_max_upload(max_upload) {}

    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
        std::string path;
        try {
            path = Poco::URI(request.getURI()).getPath();
        } catch (const Poco::Exception&) {
            path = "/";
        }
        RouteMatch match = m_api.router().match(request.getMethod(), path);
        // Refuse an oversized body before the client sends it: a non-200 status here stops Poco from
        // answering "100 Continue", and the handler answers 413 and closes the connection.
        if (request.hasContentLength() &&
            request.getContentLength64() > static_cast<Poco::Int64>(m_max_upload)) {
            auto& impl = const_cast<Poco::Net::HTTPServerRequest&>(request);
            impl.response().setStatus(Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
        }
        return new DispatchHandler(m_api, std::move(match));
    }

private:
    Api& m_api;
    std::uint64_t m_max_upload;
};

} // namespace

Poco::Net::HTTPRequestHandlerFactory* make_handler_factory(Api& api, std::uint64_t max_upload_bytes) {
    return new Factory(api, max_upload_bytes);
}

} // namespace kinvault::http
