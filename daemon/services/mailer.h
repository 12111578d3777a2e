// Delivers the notification outbox over SMTP (RFC 5321) to the practice's relay: a background thread polls
// for due messages, sends each in its own SMTP session, and records the outcome on the outbox row (sent, or a
// retry with back-off, or failed after the last attempt) and in the audit log. Messages are composed by the
// services that queue them (a link, never a document); the mailer adds nothing but transport headers.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "services/audit.h"
#include "services/notifier.h"
#include "storage/store.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace kinvault::services {

struct MailerConfig {
    std::string host{"localhost"};
    std::uint16_t port{25};
    std::string from;        // "Harbor Family Practice <no-reply@example.org>" or a bare address
    bool starttls{false};    // upgrade with STARTTLS (RFC 3207) and refuse to send if the relay cannot
    std::string ca_file;     // PEM bundle that verifies the relay's certificate; empty: the system's CAs
    std::string username;    // empty: no SMTP authentication
    crypto::Secret password; // from the environment only, never a configuration file
    int poll_seconds{5};
    int max_attempts{8};
    int timeout_seconds{30}; // per SMTP command
    int batch{20};           // messages per poll
};

// What one delivery attempt came to; the text is ours, never the relay's reply (which may echo addresses).
struct DeliveryOutcome {
    enum class Kind { sent, retry, permanent };
    Kind kind{Kind::sent};
    std::string error;
};

class Mailer {
public:
    Mailer(storage::Store& store, Notifier& notifier, AuditLog& audit, const Clock& clock,
           MailerConfig config);
    ~Mailer();
    Mailer(const Mailer&) = delete;
    Mailer& operator=(const Mailer&) = delete;

    // Starts the polling thread (once); stop() wakes and joins it. Both are safe to call more than once.
    void start();
    void stop();

    // Sends every message due now; returns how many were sent. Fails only when the outbox cannot be read.
    [[nodiscard]] Result<int> deliver_due();

    // Seconds to wait before attempt `attempts` + 1 after `attempts` failures: 30 s doubling, capped at one
    // hour, so a relay that is down for a while is not hammered and a short outage costs little delay.
    [[nodiscard]] static std::int64_t backoff_seconds(std::int64_t attempts);

private:
    [[nodiscard]] DeliveryOutcome send(const std::string& message_id, const Mail& mail) const;
    [[nodiscard]] Status record(storage::OutboxRecord record, const DeliveryOutcome& outcome);
    void run();

    storage::Store& m_store;
    Notifier& m_notifier;
    AuditLog& m_audit;
    const Clock& m_clock;
    MailerConfig m_config;
    std::mutex m_deliver_mutex; // one delivery pass at a time (the thread, or a caller)
    std::mutex m_wait_mutex;
    std::condition_variable m_wake;
    bool m_stopping{false};
    std::thread m_thread;
};

} // namespace kinvault::services
