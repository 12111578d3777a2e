// The one decision point for every document read and listing. Deny by default; a forbidden document and a
// missing one look the same to the caller (domain.md rule 11). The facts for a case are loaded once per
// request (CaseAccess) and each document is then decided against them, so listings stay fast.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/context.h"
#include "storage/store.h"

#include <memory>
#include <string>
#include <vector>

namespace kinvault::services {

enum class AccessAction { read, list, read_old_version };

struct AccessDecision {
    bool permit{false};
    std::string rule;   // stable code, e.g. "R0.case-clinician"
    std::string basis;  // the ROI or order id relied on, when there is one
    std::string reason; // plain words for the clinician ("why can't the attorney see this?")
    std::string purpose; // the purpose of use the basis allows, for the accounting of disclosures
    std::vector<std::string> obligations;
};

// What one principal is to one case.
struct CaseAccess {
    std::string case_id;
    storage::CaseRecord case_record;
    std::vector<storage::PartyRecord> my_parties; // active parties of this principal in the case
    bool is_case_clinician{false};
    Principal principal;
    std::shared_ptr<const void> facts; // consent facts loaded for the release engine (opaque here)
};

class ReleaseGate {
public:
    ReleaseGate(storage::Store& store, const Clock& clock);
    virtual ~ReleaseGate() = default;

    // The principal's standing in a case; not_found when they have none (no existence leak).
    [[nodiscard]] virtual Result<CaseAccess> case_access(const Principal& principal, const std::string& case_id);
    [[nodiscard]] virtual AccessDecision decide(const CaseAccess& access, const storage::DocumentRecord& document,
                                                AccessAction action) const;

protected:
    storage::Store& m_store;
    const Clock& m_clock;
};

} // namespace kinvault::services
