// The e-mails of e-signing: a group's turn to sign (or a reminder), a withdrawn envelope, a declined one,
// and "everyone has signed". Only links: no document is ever attached.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/notifier.h"
#include "services/signing/envelope.h"

#include <string>

namespace kinvault::services {

enum class SigningNotice { request, reminder };

class SignerNotices {
public:
    SignerNotices(Notifier& notifier, const Clock& clock);

    // Tells every signer of `group` still to sign that it is their turn (marks them notified).
    [[nodiscard]] Status group(Envelope& e, int group, SigningNotice kind);
    [[nodiscard]] Status voided(const Envelope& e);
    [[nodiscard]] Status declined(const Envelope& e, const EnvelopeSigner& s,
                                  const std::string& sender_email);
    [[nodiscard]] Status completed(const Envelope& e);

private:
    Notifier& m_notifier;
    const Clock& m_clock;
};

} // namespace kinvault::services
