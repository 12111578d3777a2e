// The one decision point for every document read and listing. Deny by default; a forbidden document and a
// missing one look the same to the caller (domain.md rule 11). case_access assembles the case's consent facts
// from storage for this request only (never cached across requests) and prepares the release engine over
// them (domain/release.h); decide() then asks the engine about each document, so a listing decides every
// document against the same facts without reloading them. Those facts carry no party names
// (NameMode::ids_only): the reasons that reach the audit log name parties by id.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "domain/policy.h"
#include "domain/release.h"
#include "services/audit.h"
#include "services/consent/records.h"
#include "services/context.h"
#include "storage/store.h"

#include <memory>
#include <string>
#include <vector>

namespace kinvault::services {

enum class AccessAction { read, list, read_old_version };

struct AccessDecision {
    bool permit{false};
    std::string rule; // stable code of the rule that decided, e.g. "R3.roi" (domain::Decision::rule_code)
    std::string
        basis; // the ROI, order, envelope or letter ids relied on, comma-separated, when there are any
    std::string reason;  // plain words for the clinician ("why can't the attorney see this?")
    std::string purpose; // the purpose of use the basis allows, for the accounting of disclosures
    std::vector<std::string> obligations; // e.g. the redisclosure notice, to travel with the release
};

// The consent facts of one case for one request, and the engine prepared over them for the requester.
struct CaseConsent {
    CaseConsent(CaseSnapshot snapshot, const Principal& principal, UnixTime now,
                const domain::Policy& policy);
    CaseConsent(const CaseConsent&) = delete;
    CaseConsent& operator=(const CaseConsent&) = delete;

    CaseSnapshot snapshot;
    domain::Requester requester;
    domain::ReleaseContext context; // refers to snapshot.facts
    UnixTime now{0};
};

// What one principal is to one case.
struct CaseAccess {
    std::string case_id;
    storage::CaseRecord case_record;
    std::vector<storage::PartyRecord> my_parties; // active parties of this principal in the case
    bool is_case_clinician{false};
    Principal principal;
    std::shared_ptr<const CaseConsent> consent; // assembled by case_access for this request
};

class ReleaseGate {
public:
    ReleaseGate(storage::Store& store, const barrier::Barrier& barrier, const Clock& clock,
                domain::Policy policy = {});
    virtual ~ReleaseGate() = default;

    // The principal's standing in a case; not_found when they have none (no existence leak).
    [[nodiscard]] virtual Result<CaseAccess> case_access(const Principal& principal,
                                                         const std::string& case_id);
    // The engine's decision mapped for the vault: rule code, basis ids, reason, purpose, obligations.
    [[nodiscard]] virtual AccessDecision
    decide(const CaseAccess& access, const storage::DocumentRecord& document, AccessAction action) const;
    // The engine's full decision (reason, notes per ROI, obligations) for `document` as `requester`, with the
    // parties named, for the clinician.
    [[nodiscard]] domain::Decision explain(const CaseAccess& access, const storage::DocumentRecord& document,
                                           const domain::Requester& requester);

    [[nodiscard]] const domain::Policy& policy() const { return m_policy; }
    [[nodiscard]] ConsentRecords& records() { return m_records; }
    [[nodiscard]] const Clock& clock() const { return m_clock; }

protected:
    storage::Store& m_store;
    const Clock& m_clock;
    domain::Policy m_policy;
    ConsentRecords m_records;
};

// domain::Decision -> AccessDecision (basis ids joined, obligations as text, purpose of use derived from the
// basis and the requester's role).
[[nodiscard]] AccessDecision to_access_decision(const domain::Decision& decision, const CaseConsent& consent,
                                                const domain::DocumentFacts& document);

// The principal's standing in a case for a case-wide use case (`action`); a refusal is recorded in the audit
// log as a denial before it is returned (best effort: the refusal stands whether or not the entry is
// written).
[[nodiscard]] Result<CaseAccess> case_access_audited(ReleaseGate& gate, AuditLog& audit, const Principal& who,
                                                     const std::string& case_id, const char* action,
                                                     const RequestInfo& req);

} // namespace kinvault::services
