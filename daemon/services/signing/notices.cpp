#include "services/signing/notices.h"

namespace kinvault::services {

SignerNotices::SignerNotices(Notifier& notifier, const Clock& clock) : m_notifier(notifier), m_clock(clock) {}

Status SignerNotices::group(Envelope& e, int group, SigningNotice kind) {
    const std::string mail_kind = kind == SigningNotice::reminder ? "reminder" : "signing-request";
    for (auto& s : e.signers) {
        if (s.group != group || s.state == SignerState::completed || s.state == SignerState::declined) {
            continue;
        }
        if (s.state == SignerState::waiting) {
            s.state = SignerState::notified;
        }
        s.notified_at = m_clock.now();
        const std::string link = m_notifier.link("/sign.html#" + e.id);
        const std::string subject = kind == SigningNotice::reminder
                                        ? "Reminder: a document is waiting for your signature"
                                        : "A document is ready for your signature";
        KV_TRY(m_notifier.queue(
            mail_kind, e.case_id,
            Mail{s.email, subject,
                 "Hello " + s.name + ",\n\n" + m_notifier.practice_name() +
                     " has sent you a document to review and sign in Kinvault.\n"
                     "Open this link and sign in to read it:\n\n" +
                     link + "\n\nThe document is not attached to this e-mail for your privacy.\n"}));
    }
    return {};
}

Status SignerNotices::voided(const Envelope& e) {
    for (const auto& s : e.signers) {
        if (s.state != SignerState::waiting) {
            KV_TRY(m_notifier.queue("voided", e.case_id,
                                    Mail{s.email, "A document no longer needs your signature",
                                         "Hello " + s.name + ",\n\n" + m_notifier.practice_name() +
                                             " has withdrawn a document it had sent you for signature. "
                                             "Nothing more is needed from you.\n"}));
        }
    }
    return {};
}

Status SignerNotices::declined(const Envelope& e, const EnvelopeSigner& s, const std::string& sender_email) {
    return m_notifier.queue("declined", e.case_id,
                            Mail{sender_email, "A signer declined a document",
                                 s.name + " declined to sign \"" + e.title +
                                     "\". Their reason is in Kinvault:\n\n" +
                                     m_notifier.link("/envelope.html#" + e.id) + "\n"});
}

Status SignerNotices::completed(const Envelope& e) {
    for (const auto& s : e.signers) {
        KV_TRY(m_notifier.queue("completion", e.case_id,
                                Mail{s.email, "Everyone has signed: your copy is ready",
                                     "Hello " + s.name + ",\n\nEveryone has signed \"" + e.title +
                                         "\". You can download your signed copy in Kinvault:\n\n" +
                                         m_notifier.link("/documents.html#" + e.document_id) + "\n"}));
    }
    return {};
}

} // namespace kinvault::services
