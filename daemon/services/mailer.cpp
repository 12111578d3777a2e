#include "services/mailer.h"

#include "services/audit_actions.h"

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <chrono>

namespace kinvault::services {

namespace {

Poco::Logger& logger() {
    return Poco::Logger::get("kinvault.mail");
}

// The domain part of the sender, for Message-ID (RFC 5322 section 3.6.4).
std::string sender_domain(const std::string& from) {
    const auto at = from.rfind('@');
    if (at == std::string::npos) {
        return "kinvault.invalid";
    }
    std::string d = from.substr(at + 1);
    d.erase(std::find_if(d.begin(), d.end(), [](char c) { return c == '>' || c == ' '; }), d.end());
    return d.empty() ? "kinvault.invalid" : d;
}

Poco::Net::Context::Ptr tls_context(const MailerConfig& config) {
    // Verify the relay's certificate and name: a mailer that would talk to anyone leaks the invitation links.
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = config.ca_file.empty();
    params.caLocation = config.ca_file;
    params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4";
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return ctx;
}

} // namespace

Mailer::Mailer(storage::Store& store, Notifier& notifier, AuditLog& audit, const Clock& clock,
               MailerConfig config)
    : m_store(store), m_notifier(notifier), m_audit(audit), m_clock(clock), m_config(std::move(config)) {
    m_config.poll_seconds = std::max(1, m_config.poll_seconds);
    m_config.max_attempts = std::max(1, m_config.max_attempts);
    m_config.batch = std::max(1, m_config.batch);
}

Mailer::~Mailer() {
    stop();
}

void Mailer::start() {
    std::lock_guard<std::mutex> lock(m_wait_mutex);
    if (m_thread.joinable()) {
        return;
    }
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
}

void Mailer::stop() {
    {
        std::lock_guard<std::mutex> lock(m_wait_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void Mailer::run() {
    while (true) {
        auto sent = deliver_due();
        if (!sent) {
            logger().error("the outbox could not be read: %s", sent.error().message);
        }
        std::unique_lock<std::mutex> lock(m_wait_mutex);
        if (m_wake.wait_for(lock, std::chrono::seconds(m_config.poll_seconds),
                            [this] { return m_stopping; })) {
            return;
        }
    }
}

std::int64_t Mailer::backoff_seconds(std::int64_t attempts) {
    constexpr std::int64_t base = 30;
    constexpr std::int64_t cap = 3600;
    if (attempts <= 0) {
        return 0;
    }
    std::int64_t wait = base;
    for (std::int64_t i = 1; i < attempts && wait < cap; ++i) {
        wait *= 2;
    }
    return std::min(wait, cap);
}

Result<int> Mailer::deliver_due() {
    std::lock_guard<std::mutex> lock(m_deliver_mutex);
    auto due = KV_TRY_VALUE(m_store.due_outbox(m_clock.now(), m_config.batch));
    int sent = 0;
    for (const storage::OutboxRecord& r : due) {
        DeliveryOutcome outcome;
        auto mail = m_notifier.open(r);
        if (!mail) {
            // A message that no longer opens will never open: fail it rather than retry forever.
            outcome = {DeliveryOutcome::Kind::permanent, "the queued message could not be opened"};
        } else {
            outcome = send(r.id, *mail);
        }
        if (outcome.kind == DeliveryOutcome::Kind::sent) {
            ++sent;
        }
        Status st = record(r, outcome);
        if (!st) {
            // The relay may already have the message; the row stays pending and is sent again later (at least
            // once is the right side to err on for an invitation or a signing request).
            logger().error("mail %s: outcome not recorded: %s", r.id, st.error().message);
        }
    }
    return sent;
}

DeliveryOutcome Mailer::send(const std::string& message_id, const Mail& mail) const {
    using Kind = DeliveryOutcome::Kind;
    try {
        Poco::Net::MailMessage message;
        message.setSender(m_config.from);
        message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, mail.to));
        message.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
        message.setContentType("text/plain; charset=UTF-8");
        message.setContent(mail.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
        message.set("Message-ID", "<" + message_id + "@" + sender_domain(m_config.from) + ">");
        // RFC 3834 section 5: machine-sent, so auto-responders do not answer it.
        message.set("Auto-Submitted", "auto-generated");

        Poco::Net::SecureSMTPClientSession session(m_config.host, m_config.port);
        session.setTimeout(Poco::Timespan(m_config.timeout_seconds, 0));
        session.login();
        if (m_config.starttls) {
            if (!session.startTLS(tls_context(m_config))) {
                session.close();
                return {Kind::retry, "the mail relay does not offer STARTTLS; nothing was sent in the clear"};
            }
        }
        if (!m_config.username.empty()) {
            session.login(Poco::Net::SMTPClientSession::AUTH_LOGIN, m_config.username,
                          std::string(m_config.password.view()));
        } else if (m_config.starttls) {
            // RFC 3207 section 4.2: the session starts over after the TLS handshake, so EHLO again.
            session.login();
        }
        session.sendMessage(message);
        session.close();
        return {Kind::sent, ""};
    } catch (const Poco::Net::SMTPException& e) {
        // RFC 5321 section 4.2.1: 5yz replies are permanent, 4yz transient.
        const int code = e.code();
        const std::string text = "the mail relay refused the message (SMTP " + std::to_string(code) + ")";
        return {code >= 500 && code < 600 ? Kind::permanent : Kind::retry, text};
    } catch (const Poco::Net::SSLException&) {
        return {Kind::retry, "the TLS connection to the mail relay failed (certificate or protocol)"};
    } catch (const Poco::TimeoutException&) {
        return {Kind::retry, "the mail relay did not answer in time"};
    } catch (const Poco::Net::NetException&) {
        return {Kind::retry, "the mail relay could not be reached"};
    } catch (const Poco::IOException&) {
        return {Kind::retry, "the mail relay could not be reached"};
    } catch (const Poco::Exception& e) {
        logger().error("mail %s: %s", message_id, e.className() + std::string(": ") + e.message());
        return {Kind::retry, "sending failed unexpectedly"};
    }
}

Status Mailer::record(storage::OutboxRecord r, const DeliveryOutcome& outcome) {
    using Kind = DeliveryOutcome::Kind;
    const UnixTime now = m_clock.now();
    r.attempts += 1;
    std::string action;
    std::string decision = "ok";
    if (outcome.kind == Kind::sent) {
        r.state = "sent";
        r.sent_at = now;
        r.last_error.clear();
        action = audit_action::mail_sent;
    } else if (outcome.kind == Kind::retry && r.attempts < m_config.max_attempts) {
        r.last_error = outcome.error;
        r.send_after = now + backoff_seconds(r.attempts);
        action = audit_action::mail_retry;
        decision = "error";
    } else {
        r.state = "failed";
        r.last_error = outcome.error;
        action = audit_action::mail_failed;
        decision = "error";
    }
    if (outcome.kind == Kind::sent) {
        logger().information("mail %s (%s) sent after %d attempt(s)", r.id, r.kind,
                             static_cast<int>(r.attempts));
    } else {
        logger().warning("mail %s (%s) attempt %d: %s", r.id, r.kind, static_cast<int>(r.attempts),
                         outcome.error);
    }
    const std::string reason = r.kind + (outcome.error.empty() ? std::string() : ": " + outcome.error);
    const RequestInfo local{"local", "kinvaultd mailer"};
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_outbox(r));
        return m_audit.append({.actor = "system",
                               .action = action,
                               .object = r.id,
                               .case_id = r.case_id,
                               .decision = decision,
                               .reason = reason},
                              local);
    });
}

} // namespace kinvault::services
