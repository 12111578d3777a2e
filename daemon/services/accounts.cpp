#include "services/accounts.h"

#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "crypto/totp.h"
#include "domain/party.h"
#include "domain/types.h"
#include "services/audit_actions.h"

#include <algorithm>
#include <cctype>

namespace kinvault::services {

std::string token_hash(std::string_view token) {
    return crypto::to_hex(crypto::sha256(token));
}

// Bounds concurrent Argon2id work: each run takes 64 MiB and a core, so unbounded logins would be a
// memory and CPU exhaustion vector (security.md: "logins are the bottleneck, so bound how many run at once").
class Accounts::HashSlot {
public:
    explicit HashSlot(Accounts& a) : m_a(a) {
        std::unique_lock<std::mutex> lock(m_a.m_hash_mutex);
        m_a.m_hash_cv.wait(lock, [&] { return m_a.m_hashes_running < m_a.m_logins.concurrent_hashes; });
        ++m_a.m_hashes_running;
    }
    ~HashSlot() {
        {
            std::lock_guard<std::mutex> lock(m_a.m_hash_mutex);
            --m_a.m_hashes_running;
        }
        m_a.m_hash_cv.notify_one();
    }
    HashSlot(const HashSlot&) = delete;
    HashSlot& operator=(const HashSlot&) = delete;

private:
    Accounts& m_a;
};

Accounts::Accounts(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit,
                   const Clock& clock, SessionPolicy sessions, LoginPolicy logins)
    : m_store(store), m_barrier(barrier), m_audit(audit), m_clock(clock), m_sessions(sessions),
      m_logins(logins) {}

std::string Accounts::normalise_email(std::string_view email) {
    std::string out;
    out.reserve(email.size());
    for (const char c : email) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) {
        out.pop_back();
    }
    const auto first = out.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : out.substr(first);
}

Status Accounts::check_email(std::string_view email) {
    const auto at = email.find('@');
    if (email.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
        email.find('@', at + 1) != std::string_view::npos ||
        email.find_first_of(" \t\r\n<>,;") != std::string_view::npos) {
        return make_error(Errc::invalid_input, "that does not look like an e-mail address");
    }
    return {};
}

Result<std::string> Accounts::create_clinician(const std::string& email_in, const std::string& name,
                                               const crypto::Secret& password, const RequestInfo& req) {
    const std::string email = normalise_email(email_in);
    KV_TRY(check_email(email));
    KV_TRY(crypto::check_password_policy(password));
    if (name.empty() || name.size() > 200) {
        return make_error(Errc::invalid_input, "a name (1 to 200 characters) is required");
    }
    std::string hash = KV_TRY_VALUE([&] {
        HashSlot slot(*this);
        return crypto::hash_password(password);
    }());
    storage::UserRecord u;
    u.id = crypto::random_id("usr");
    u.kind = std::string(domain::to_string(domain::AccountKind::clinician));
    u.email_index = m_barrier.email_index(email);
    m_barrier.seal_email(u, email);
    m_barrier.seal_name(u, name);
    u.password_hash = std::move(hash);
    u.created_at = m_clock.now();
    KV_TRY(m_store.transaction([&]() -> Status {
        const auto existing = KV_TRY_VALUE(m_store.user_by_email_index(u.email_index));
        if (existing.has_value()) {
            return make_error(Errc::conflict, "an account with that e-mail address already exists");
        }
        KV_TRY(m_store.insert_user(u));
        return m_audit.append({.actor = "system",
                               .action = audit_action::account_create,
                               .object = u.id,
                               .decision = "ok",
                               .reason = "clinician account created"},
                              req);
    }));
    return u.id;
}

Status Accounts::check_throttle(const std::string& account_key, const std::string& address_key) const {
    const UnixTime now = m_clock.now();
    auto per_account = m_store.count_login_failures(account_key, now - 3600);
    auto per_address = m_store.count_login_failures(address_key, now - 3600);
    if (!per_account || !per_address) {
        // Fail closed: if we cannot tell how many attempts were made, we do not allow another.
        return make_error(Errc::unavailable, "sign-in is unavailable right now; please try again shortly");
    }
    if (*per_account >= m_logins.account_cap_per_hour || *per_address >= m_logins.address_cap_per_hour) {
        return make_error(Errc::rate_limited,
                          "Too many failed sign-in attempts. Please wait an hour and try again, or ask the "
                          "practice to help.");
    }
    auto recent = m_store.count_login_failures(account_key, now - 900);
    auto last = m_store.last_login_failure(account_key);
    if (!recent || !last) {
        return make_error(Errc::unavailable, "sign-in is unavailable right now; please try again shortly");
    }
    if (*recent >= m_logins.free_failures) {
        const std::int64_t over = *recent - m_logins.free_failures;
        const std::int64_t wait = std::min<std::int64_t>(
            m_logins.max_backoff_seconds, std::int64_t{1} << std::min<std::int64_t>(over + 1, 20));
        if (now < *last + wait) {
            return make_error(Errc::rate_limited, "Too many failed sign-in attempts. Please wait " +
                                                      std::to_string(*last + wait - now) +
                                                      " seconds and try again.");
        }
    }
    return {};
}

Status Accounts::record_failure(const std::string& account_key, const std::string& address_key,
                                const std::optional<AuditEvent>& event, const RequestInfo& req) {
    // Fails closed: a failure that is not counted would let an attacker guess without back-off, and one
    // that is not audited would go unseen, so if either cannot be written the caller refuses the attempt
    // with this error rather than answer as if it had been recorded.
    const UnixTime now = m_clock.now();
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.record_login_failure({account_key, now}));
        KV_TRY(m_store.record_login_failure({address_key, now}));
        if (event) {
            KV_TRY(m_audit.append(*event, req));
        }
        return {};
    });
}

Result<NewSession> Accounts::open_session(const storage::UserRecord& user, const std::string& method,
                                          const RequestInfo& req) {
    NewSession out;
    out.token = crypto::random_token();
    out.csrf_token.clear(); // derived below, once the session hash is known
    const UnixTime now = m_clock.now();
    storage::SessionRecord rec;
    rec.token_hash = token_hash(out.token);
    rec.user_id = user.id;
    out.csrf_token = m_barrier.csrf_token(token_hash(out.token));
    rec.csrf_hash = token_hash(out.csrf_token);
    rec.auth_method = method;
    rec.client_address = req.client_address;
    rec.created_at = now;
    rec.last_seen = now;
    rec.expires_at = now + m_sessions.absolute_seconds;
    out.expires_at = rec.expires_at;
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_store.insert_session(rec));
        return m_audit.append({.actor = user.id,
                               .action = audit_action::session_open,
                               .object = user.id,
                               .decision = "ok",
                               .reason = method},
                              req);
    }));
    (void)m_store.delete_expired_sessions(now, m_sessions.idle_seconds);
    out.principal.user_id = user.id;
    out.principal.kind = domain::parse_account_kind(user.kind).value_or(domain::AccountKind::member);
    out.principal.session_hash = rec.token_hash;
    out.principal.auth_method = method;
    if (auto email = user_email(user)) {
        out.principal.email = *email;
    }
    if (auto name = user_name(user)) {
        out.principal.name = *name;
    }
    return out;
}

Result<NewSession> Accounts::login(const std::string& email_in, const crypto::Secret& password,
                                   const std::string& totp_code, const RequestInfo& req) {
    const std::string email = normalise_email(email_in);
    const std::string index = m_barrier.email_index(email);
    const std::string account_key = "account:" + index;
    const std::string address_key = "address:" + req.client_address;
    KV_TRY(check_throttle(account_key, address_key));

    const auto found = KV_TRY_VALUE(m_store.user_by_email_index(index));
    const Error wrong = make_error(Errc::unauthenticated, "The e-mail address or password is not right.");
    crypto::PasswordCheck check = crypto::PasswordCheck::mismatch;
    {
        HashSlot slot(*this);
        if (!found.has_value() || found->password_hash.empty() || found->disabled) {
            crypto::burn_password_verification(password);
        } else {
            check = crypto::verify_password(found->password_hash, password);
        }
    }
    if (check == crypto::PasswordCheck::mismatch) {
        KV_TRY(record_failure(account_key, address_key,
                              AuditEvent{.actor = "anonymous",
                                         .action = audit_action::login_failure,
                                         .object = found.has_value() ? found->id : "",
                                         .decision = "deny",
                                         .reason = "wrong e-mail address or password"},
                              req));
        return wrong;
    }
    storage::UserRecord user = *found;
    std::string method = "password";
    if (!user.totp_sealed.empty()) {
        if (totp_code.empty()) {
            return make_error(Errc::second_factor, "Enter the 6-digit code from your authenticator app.");
        }
        const std::string secret_b32 = KV_TRY_VALUE(m_barrier.open_totp(user));
        const auto secret = crypto::base32_decode(secret_b32);
        const auto step = secret ? crypto::totp_verify(*secret, totp_code, m_clock.now(), user.totp_last_step)
                                 : std::nullopt;
        if (!step) {
            KV_TRY(record_failure(account_key, address_key,
                                  AuditEvent{.actor = "anonymous",
                                             .action = audit_action::login_failure,
                                             .object = user.id,
                                             .decision = "deny",
                                             .reason = "wrong one-time code"},
                                  req));
            return make_error(Errc::second_factor, "That code is not right or was already used.");
        }
        user.totp_last_step = *step;
        method = "password+totp";
    }
    if (check == crypto::PasswordCheck::match_needs_rehash) {
        HashSlot slot(*this);
        if (auto rehashed = crypto::hash_password(password)) {
            user.password_hash = *rehashed;
        }
    }
    KV_TRY(m_store.update_user(user));
    (void)m_store.clear_login_failures(account_key);
    return open_session(user, method, req);
}

Status Accounts::logout(const Principal& principal, const RequestInfo& req) {
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.delete_session(principal.session_hash));
        return m_audit.append({.actor = principal.user_id,
                               .action = audit_action::session_close,
                               .object = principal.user_id,
                               .decision = "ok",
                               .reason = "logout"},
                              req);
    });
}

Result<Principal> Accounts::authenticate(const std::string& token) const {
    const Error invalid = make_error(Errc::unauthenticated, "Please sign in.");
    if (token.empty() || token.size() > 200) {
        return invalid;
    }
    const std::string hash = token_hash(token);
    // The session and its account come from one query (a session whose account is gone finds nothing).
    const auto found = KV_TRY_VALUE(m_store.session_with_user(hash));
    if (!found.has_value()) {
        return invalid;
    }
    const storage::SessionRecord& s = found->session;
    const storage::UserRecord& user = found->user;
    const UnixTime now = m_clock.now();
    if (now >= s.expires_at || now - s.last_seen > m_sessions.idle_seconds) {
        (void)m_store.delete_session(hash);
        return make_error(Errc::unauthenticated, "Your session has ended. Please sign in again.");
    }
    if (user.disabled) {
        return invalid;
    }
    // Touch at most every 30 seconds (or half the idle limit, if shorter): idle expiry needs no finer grain,
    // and most reads stay read-only.
    if (now - s.last_seen >= std::min<std::int64_t>(30, m_sessions.idle_seconds / 2)) {
        (void)m_store.touch_session(hash, now);
    }
    Principal p;
    p.user_id = s.user_id;
    p.kind = domain::parse_account_kind(user.kind).value_or(domain::AccountKind::member);
    p.session_hash = hash;
    p.auth_method = s.auth_method;
    if (auto email = user_email(user)) {
        p.email = *email;
    }
    if (auto name = user_name(user)) {
        p.name = *name;
    }
    return p;
}

std::string Accounts::csrf_token(const Principal& principal) const {
    // Derived from the session (keyed BLAKE2b), so a page can fetch it again after a reload without the
    // server storing anything new; a cross-site page cannot read it (same-origin policy).
    return m_barrier.csrf_token(principal.session_hash);
}

bool Accounts::check_csrf(const Principal& principal, const std::string& given_token) const {
    if (given_token.empty()) {
        return false;
    }
    const crypto::Secret expected = crypto::Secret::from_view(csrf_token(principal));
    const crypto::Secret given = crypto::Secret::from_view(given_token);
    return expected.equals(given);
}

Status Accounts::reauthenticate(const Principal& principal, const crypto::Secret& password,
                                const std::string& totp_code, const RequestInfo& req) {
    const auto user = KV_TRY_VALUE(m_store.user_by_id(principal.user_id));
    if (!user.has_value()) {
        return make_error(Errc::unauthenticated, "Please sign in.");
    }
    storage::UserRecord u = *user;
    const std::string account_key = "account:" + u.email_index;
    const std::string address_key = "address:" + req.client_address;
    KV_TRY(check_throttle(account_key, address_key));
    crypto::PasswordCheck check = crypto::PasswordCheck::mismatch;
    {
        HashSlot slot(*this);
        check = crypto::verify_password(u.password_hash, password);
    }
    if (check == crypto::PasswordCheck::mismatch) {
        KV_TRY(record_failure(account_key, address_key,
                              AuditEvent{.actor = u.id,
                                         .action = audit_action::reauth_failure,
                                         .object = u.id,
                                         .decision = "deny",
                                         .reason = "wrong password"},
                              req));
        return make_error(Errc::unauthenticated, "That password is not right.");
    }
    if (!u.totp_sealed.empty()) {
        const std::string secret_b32 = KV_TRY_VALUE(m_barrier.open_totp(u));
        const auto secret = crypto::base32_decode(secret_b32);
        const auto step =
            secret ? crypto::totp_verify(*secret, totp_code, m_clock.now(), u.totp_last_step) : std::nullopt;
        if (!step) {
            KV_TRY(record_failure(account_key, address_key, std::nullopt, req));
            return make_error(Errc::second_factor, "That one-time code is not right or was already used.");
        }
        u.totp_last_step = *step;
        KV_TRY(m_store.update_user(u));
    }
    return {};
}

Result<std::string> Accounts::create_invitation(const std::string& case_id, const std::string& party_id,
                                                const std::string& created_by) {
    const std::string token = crypto::random_token();
    storage::InvitationRecord inv;
    inv.token_hash = token_hash(token);
    inv.party_id = party_id;
    inv.case_id = case_id;
    inv.created_by = created_by;
    inv.created_at = m_clock.now();
    inv.expires_at = inv.created_at + k_invitation_seconds;
    KV_TRY(m_store.insert_invitation(inv));
    return token;
}

Result<InvitationView> Accounts::peek_invitation(const std::string& token) const {
    const auto inv = KV_TRY_VALUE(m_store.invitation_by_hash(token_hash(token)));
    if (!inv.has_value()) {
        return make_error(Errc::not_found,
                          "This invitation link is not valid. Please ask the practice for a new one.");
    }
    if (inv->used_at != 0) {
        return make_error(Errc::gone, "This invitation has already been used. Please sign in instead.");
    }
    if (m_clock.now() >= inv->expires_at) {
        return make_error(Errc::gone, "This invitation has expired. Please ask the practice for a new one.");
    }
    const auto party = KV_TRY_VALUE(m_store.party_by_id(inv->party_id));
    if (!party.has_value()) {
        return make_error(Errc::not_found, "This invitation link is not valid.");
    }
    InvitationView v;
    v.case_id = inv->case_id;
    v.party_id = inv->party_id;
    v.role = party->role;
    v.expires_at = inv->expires_at;
    auto name = m_barrier.open_name(*party);
    auto email = m_barrier.open_email(*party);
    if (!name || !email) {
        return make_error(Errc::integrity, "the invitation's party record is damaged");
    }
    v.name = *name;
    v.email = *email;
    auto user = m_store.user_by_email_index(party->email_index);
    v.account_exists = user && user->has_value() && !(*user)->password_hash.empty();
    return v;
}

Result<NewSession> Accounts::accept_invitation(const std::string& token, const crypto::Secret& password,
                                               const RequestInfo& req) {
    const InvitationView view = KV_TRY_VALUE(peek_invitation(token));
    auto party_row = m_store.party_by_id(view.party_id);
    if (!party_row || !party_row->has_value()) {
        return make_error(Errc::not_found, "This invitation link is not valid.");
    }
    storage::PartyRecord party = **party_row;
    const auto existing = KV_TRY_VALUE(m_store.user_by_email_index(party.email_index));
    storage::UserRecord user;
    bool create = false;
    if (existing.has_value() && !existing->password_hash.empty()) {
        // The person already has an account (e.g. an attorney in several cases): the link alone must not
        // take it over, so they confirm with their existing password.
        user = *existing;
        const std::string account_key = "account:" + user.email_index;
        const std::string address_key = "address:" + req.client_address;
        KV_TRY(check_throttle(account_key, address_key));
        crypto::PasswordCheck check = crypto::PasswordCheck::mismatch;
        {
            HashSlot slot(*this);
            check = crypto::verify_password(user.password_hash, password);
        }
        if (check == crypto::PasswordCheck::mismatch) {
            KV_TRY(record_failure(account_key, address_key, std::nullopt, req));
            return make_error(Errc::unauthenticated,
                              "You already have an account: enter its current password to add this case.");
        }
    } else {
        KV_TRY(crypto::check_password_policy(password));
        std::string hash = KV_TRY_VALUE([&] {
            HashSlot slot(*this);
            return crypto::hash_password(password);
        }());
        if (existing.has_value()) {
            user = *existing;
        } else {
            create = true;
            user.id = crypto::random_id("usr");
            user.kind = std::string(domain::to_string(domain::AccountKind::member));
            user.email_index = party.email_index;
            m_barrier.seal_email(user, view.email);
            m_barrier.seal_name(user, view.name);
            user.created_at = m_clock.now();
        }
        user.password_hash = std::move(hash);
    }
    const std::string hash = token_hash(token);
    KV_TRY(m_store.transaction([&]() -> Status {
        // Re-check inside the write transaction: two simultaneous accepts of one link must not both win.
        const auto inv = KV_TRY_VALUE(m_store.invitation_by_hash(hash));
        if (!inv.has_value() || inv->used_at != 0) {
            return make_error(Errc::gone, "This invitation has already been used. Please sign in instead.");
        }
        if (create) {
            KV_TRY(m_store.insert_user(user));
        } else {
            KV_TRY(m_store.update_user(user));
        }
        party.user_id = user.id;
        party.status = std::string(domain::to_string(domain::PartyStatus::active));
        KV_TRY(m_store.update_party(party));
        KV_TRY(m_store.mark_invitation_used(hash, m_clock.now()));
        return m_audit.append({.actor = user.id,
                               .action = audit_action::invitation_accept,
                               .object = party.id,
                               .case_id = party.case_id,
                               .decision = "ok",
                               .reason = "party joined the case"},
                              req);
    }));
    return open_session(user, "password", req);
}

Result<std::string> Accounts::begin_totp(const Principal& principal) {
    const Bytes secret = crypto::random_bytes(20);
    const std::string b32 = crypto::base32_encode(secret);
    {
        std::lock_guard<std::mutex> lock(m_pending_mutex);
        m_pending_totp[principal.user_id] = b32;
    }
    // otpauth URI as authenticator apps read it (Key Uri Format); the label carries no case data.
    return "otpauth://totp/Kinvault:" + principal.email + "?secret=" + b32 +
           "&issuer=Kinvault&algorithm=SHA1&digits=6&period=30";
}

Status Accounts::confirm_totp(const Principal& principal, const std::string& code, const RequestInfo& req) {
    std::string b32;
    {
        std::lock_guard<std::mutex> lock(m_pending_mutex);
        const auto it = m_pending_totp.find(principal.user_id);
        if (it == m_pending_totp.end()) {
            return make_error(Errc::conflict, "Start the authenticator set-up first.");
        }
        b32 = it->second;
    }
    const auto secret = crypto::base32_decode(b32);
    const auto step = secret ? crypto::totp_verify(*secret, code, m_clock.now(), -1) : std::nullopt;
    if (!step) {
        return make_error(Errc::invalid_input,
                          "That code is not right. Check the time on your phone and try again.");
    }
    auto user = m_store.user_by_id(principal.user_id);
    if (!user || !user->has_value()) {
        return make_error(Errc::unauthenticated, "Please sign in.");
    }
    storage::UserRecord u = **user;
    m_barrier.seal_totp(u, b32);
    u.totp_last_step = *step;
    Status st = m_store.transaction([&]() -> Status {
        KV_TRY(m_store.update_user(u));
        return m_audit.append({.actor = u.id,
                               .action = audit_action::totp_enrol,
                               .object = u.id,
                               .decision = "ok",
                               .reason = "authenticator app enrolled"},
                              req);
    });
    if (st) {
        std::lock_guard<std::mutex> lock(m_pending_mutex);
        m_pending_totp.erase(principal.user_id);
    }
    return st;
}

Result<storage::UserRecord> Accounts::user(const std::string& user_id) const {
    auto u = KV_TRY_VALUE(m_store.user_by_id(user_id));
    if (!u.has_value()) {
        return make_error(Errc::not_found, "no such account");
    }
    return *std::move(u);
}

Result<std::string> Accounts::user_email(const storage::UserRecord& user) const {
    return m_barrier.open_email(user);
}

Result<std::string> Accounts::user_name(const storage::UserRecord& user) const {
    return m_barrier.open_name(user);
}

} // namespace kinvault::services
