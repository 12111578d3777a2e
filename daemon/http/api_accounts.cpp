#include "http/api.h"
#include "http/exchange.h"
#include "http/json_views.h"

#include <Poco/Net/HTTPCookie.h>

namespace kinvault::http {

namespace {

crypto::Secret take_secret(Body& body, std::string_view key) {
    std::string value = body->required_string(key);
    crypto::Secret s = crypto::Secret::from_view(value);
    // Best effort: overwrite the transient copy (the parsed document still holds one until the body goes).
    std::fill(value.begin(), value.end(), '\0');
    return s;
}

void set_session_cookie(Exchange& ex, const std::string& token, std::int64_t max_age) {
    // __Host- prefix: Secure, Path=/, no Domain (RFC 6265bis section 4.1.3.2).
    Poco::Net::HTTPCookie cookie(k_session_cookie, token);
    cookie.setPath("/");
    cookie.setSecure(true);
    cookie.setHttpOnly(true);
    cookie.setMaxAge(static_cast<int>(max_age));
    cookie.setSameSite(Poco::Net::HTTPCookie::SAME_SITE_STRICT);
    ex.response.addCookie(cookie);
}

Poco::JSON::Object::Ptr session_json(Exchange& ex, const services::NewSession& s, bool cookie) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    if (cookie) {
        set_session_cookie(ex, s.token, s.expires_at - std::time(nullptr));
    } else {
        o->set("token", s.token);
    }
    o->set("csrf_token", s.csrf_token);
    o->set("expires_at", format_utc(s.expires_at));
    o->set("user", to_json(s.principal));
    return o;
}

} // namespace

void Api::add_account_routes() {
    m_router.add("GET", "/api/v1/health", [this](Exchange& ex) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("status", "ok");
        o->set("version", m_options.version);
        o->set("audit_size", static_cast<Poco::UInt64>(m_s.audit.size()));
        ex.send_json(200, o);
    });

    m_router.add("POST", "/api/v1/sessions", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        const std::string email = body->required_string("email");
        const crypto::Secret password = take_secret(*body, "password");
        const std::string totp = body->string_or("totp", "");
        const bool cookie = body->optional_bool("cookie").value_or(false);
        if (!ex.body_ok(*body)) {
            return;
        }
        if (email.empty() || password.empty()) {
            ex.send_error(Errc::invalid_input, "Enter your e-mail address and password.");
            return;
        }
        auto session = m_s.accounts.login(email, password, totp, ex.info());
        if (!session) {
            ex.send_error(session.error());
            return;
        }
        ex.send_json(201, session_json(ex, *session, cookie));
    });

    m_router.add("DELETE", "/api/v1/sessions/current", [this](Exchange& ex) {
        Status st = m_s.accounts.logout(ex.who(), ex.info());
        if (!st) {
            ex.send_error(st.error());
            return;
        }
        set_session_cookie(ex, "", 0);
        ex.send_no_content();
    });

    m_router.add("GET", "/api/v1/me", [this](Exchange& ex) {
        auto o = to_json(ex.who());
        // Browser pages fetch this after a reload to get the CSRF token for their session again.
        o->set("csrf_token", m_s.accounts.csrf_token(ex.who()));
        ex.send_json(200, o);
    });

    m_router.add("POST", "/api/v1/me/totp", [this](Exchange& ex) {
        auto uri = m_s.accounts.begin_totp(ex.who());
        if (!uri) {
            ex.send_error(uri.error());
            return;
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("otpauth_uri", *uri);
        ex.send_json(200, o);
    });

    m_router.add("POST", "/api/v1/me/totp/confirm", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        const std::string code = body->required_string("code");
        if (!ex.body_ok(*body)) {
            return;
        }
        Status st = m_s.accounts.confirm_totp(ex.who(), code, ex.info());
        if (!st) {
            ex.send_error(st.error());
            return;
        }
        ex.send_no_content();
    });

    m_router.add("POST", "/api/v1/invitations/peek", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        const std::string token = body->required_string("token");
        if (!ex.body_ok(*body)) {
            return;
        }
        auto view = m_s.accounts.peek_invitation(token);
        if (!view) {
            ex.send_error(view.error());
            return;
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("name", view->name);
        o->set("email", view->email);
        o->set("role", view->role);
        o->set("expires_at", format_utc(view->expires_at));
        o->set("account_exists", view->account_exists);
        ex.send_json(200, o);
    });

    m_router.add("POST", "/api/v1/invitations/accept", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        const std::string token = body->required_string("token");
        const crypto::Secret password = take_secret(*body, "password");
        const bool cookie = body->optional_bool("cookie").value_or(false);
        if (!ex.body_ok(*body)) {
            return;
        }
        auto session = m_s.accounts.accept_invitation(token, password, ex.info());
        if (!session) {
            ex.send_error(session.error());
            return;
        }
        ex.send_json(201, session_json(ex, *session, cookie));
    });
}

} // namespace kinvault::http
