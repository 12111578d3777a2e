// Accounts, sessions, invitations and sign-in throttling (security.md "Web and API baseline", ASVS 4.0 L2).
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "services/audit.h"
#include "services/context.h"
#include "storage/store.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace kinvault::services {

struct SessionPolicy {
    std::int64_t idle_seconds{30 * 60};
    std::int64_t absolute_seconds{12 * 3600};
};

struct LoginPolicy {
    int free_failures{5};          // failures before back-off starts
    int account_cap_per_hour{20};  // hard cap per account
    int address_cap_per_hour{100}; // hard cap per client address
    std::int64_t max_backoff_seconds{15 * 60};
    int concurrent_hashes{2}; // Argon2id runs at once (each uses 64 MiB and a core)
};

struct NewSession {
    std::string token;      // the bearer token, shown once
    std::string csrf_token; // for browser forms
    UnixTime expires_at{0};
    Principal principal;
};

struct InvitationView {
    std::string case_id;
    std::string party_id;
    std::string role;
    std::string name;
    std::string email;
    UnixTime expires_at{0};
    bool account_exists{false};
};

class Accounts {
public:
    Accounts(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit, const Clock& clock,
             SessionPolicy sessions, LoginPolicy logins);

    [[nodiscard]] static std::string normalise_email(std::string_view email);
    [[nodiscard]] static Status check_email(std::string_view email);

    // First clinician account (init) and further practice staff.
    [[nodiscard]] Result<std::string> create_clinician(const std::string& email, const std::string& name,
                                                       const crypto::Secret& password,
                                                       const RequestInfo& req);

    [[nodiscard]] Result<NewSession> login(const std::string& email, const crypto::Secret& password,
                                           const std::string& totp_code, const RequestInfo& req);
    [[nodiscard]] Status logout(const Principal& principal, const RequestInfo& req);
    // Resolves a bearer token to its principal, enforcing idle and absolute expiry.
    [[nodiscard]] Result<Principal> authenticate(const std::string& token) const;
    [[nodiscard]] bool check_csrf(const Principal& principal, const std::string& csrf_token) const;
    [[nodiscard]] std::string csrf_token(const Principal& principal) const;
    // Re-authentication for sensitive acts (signing): password, plus TOTP when enrolled.
    [[nodiscard]] Status reauthenticate(const Principal& principal, const crypto::Secret& password,
                                        const std::string& totp_code, const RequestInfo& req);

    // Invitations: a single-use link for one party of one case, valid 7 days.
    [[nodiscard]] Result<std::string>
    create_invitation(const std::string& case_id, const std::string& party_id, const std::string& created_by);
    [[nodiscard]] Result<InvitationView> peek_invitation(const std::string& token) const;
    [[nodiscard]] Result<NewSession>
    accept_invitation(const std::string& token, const crypto::Secret& password, const RequestInfo& req);

    // TOTP enrolment (RFC 6238): returns the otpauth:// URI; confirmed by a first valid code.
    [[nodiscard]] Result<std::string> begin_totp(const Principal& principal);
    [[nodiscard]] Status confirm_totp(const Principal& principal, const std::string& code,
                                      const RequestInfo& req);

    [[nodiscard]] Result<storage::UserRecord> user(const std::string& user_id) const;
    [[nodiscard]] Result<std::string> user_email(const storage::UserRecord& user) const;
    [[nodiscard]] Result<std::string> user_name(const storage::UserRecord& user) const;

    static constexpr std::int64_t k_invitation_seconds = 7 * 24 * 3600;

private:
    class HashSlot;
    [[nodiscard]] Status check_throttle(const std::string& account_key, const std::string& address_key) const;
    // Counts a failed attempt against the account and the address (and audits it, when `event` is given),
    // in one transaction; an error means nothing was recorded and the attempt must be refused with it.
    [[nodiscard]] Status record_failure(const std::string& account_key, const std::string& address_key,
                                        const std::optional<AuditEvent>& event, const RequestInfo& req);
    [[nodiscard]] Result<NewSession> open_session(const storage::UserRecord& user, const std::string& method,
                                                  const RequestInfo& req);

    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    AuditLog& m_audit;
    const Clock& m_clock;
    SessionPolicy m_sessions;
    LoginPolicy m_logins;
    std::mutex m_hash_mutex;
    std::condition_variable m_hash_cv;
    int m_hashes_running{0};
    std::mutex m_pending_mutex;
    std::map<std::string, std::string> m_pending_totp; // user id -> base32 secret awaiting confirmation
};

// SHA-256 hex of a token, the only form in which tokens are stored.
[[nodiscard]] std::string token_hash(std::string_view token);

} // namespace kinvault::services
