// ESIGN 15 U.S.C. 7001(c): the consumer disclosure shown before the first electronic signature, and each
// user's standing consent to sign electronically (accepted with an envelope, withdrawn going forward).
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/context.h"
#include "storage/store.h"

#include <optional>
#include <string>
#include <string_view>

namespace kinvault::services {

struct Disclosure {
    std::string version;
    std::string text;
};
[[nodiscard]] const Disclosure& current_disclosure();

enum class EsignConsentState { accepted, withdrawn };
[[nodiscard]] std::string_view to_string(EsignConsentState s);
[[nodiscard]] std::optional<EsignConsentState> parse_esign_consent_state(std::string_view text);

class EsignConsents {
public:
    EsignConsents(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit,
                  const Clock& clock);

    // Whether the user's consent stands (accepted and not since withdrawn).
    [[nodiscard]] Result<bool> standing(const std::string& user_id) const;
    // The sealed record of an acceptance, for the caller to store in its own transaction.
    [[nodiscard]] storage::SealedRecord acceptance(const Principal& who, const std::string& version,
                                                   const RequestInfo& req) const;
    [[nodiscard]] Status withdraw(const Principal& who, const RequestInfo& req);

private:
    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    AuditLog& m_audit;
    const Clock& m_clock;
};

} // namespace kinvault::services
