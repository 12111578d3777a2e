// An ROI after it is drafted: signed (on paper, recorded by the clinician, or through an e-signed envelope),
// revoked by someone who may (rule 7), suspended when a signer loses the authority they signed with and
// reinstated after the clinician's review (rule 8).
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/consent/access.h"
#include "services/consent/details.h"
#include "services/context.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

struct SignatureInput {
    std::string signer;
    domain::SignerCapacity capacity{domain::SignerCapacity::self};
    std::string authority;             // the court order or custody record relied on (id)
    std::optional<UnixTime> signed_at; // default: now; never in the future
    std::string evidence;              // the scanned paper ROI's document id (default: the ROI's document)
};

struct RevokeInput {
    std::optional<std::string> by;        // the revoking party; required when the clinician records it
    std::optional<std::string> recipient; // revoke for this recipient only
};

class RoiLifecycle {
public:
    RoiLifecycle(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
                 const Clock& clock);

    // Called inside the revocation's transaction to tell the clinician (an e-mail through the outbox).
    using RevocationNotice = std::function<Status(const std::string& case_id, const std::string& roi_id)>;
    void on_revocation(RevocationNotice notice) { m_on_revocation = std::move(notice); }

    // A signed paper ROI (scanned and uploaded): the same activation path as e-signing
    // (EnvelopeCompletion).
    [[nodiscard]] Result<RoiDetail> record_signature(const Principal& who, const std::string& roi_id,
                                                     const SignatureInput& input, const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> revoke_roi(const Principal& who, const std::string& roi_id,
                                               const RevokeInput& input, const RequestInfo& req);
    // Rule 8: back to active after the clinician reviewed a suspension.
    [[nodiscard]] Result<RoiDetail> reinstate_roi(const Principal& who, const std::string& roi_id,
                                                  const RequestInfo& req);

    // Inside the caller's transaction: checks every signature, then records them all on `roi` (draft ROIs
    // are sent for signature first), one audit entry each. A refused signature leaves `roi` as it was.
    [[nodiscard]] Status apply_signatures(CaseSnapshot& snapshot, domain::Roi& roi,
                                          const std::vector<domain::RoiSignature>& signatures,
                                          const std::string& actor, const RequestInfo& req);
    // Inside the caller's transaction: suspends the active ROIs whose signer lost their authority (rules 8,
    // 10), e.g. after a new custody order.
    [[nodiscard]] Status suspend_lapsed(CaseSnapshot& snapshot, const std::string& actor,
                                        const RequestInfo& req);

private:
    // Who revokes: the party named (the clinician records a revocation received on paper), or the
    // requester's own party that may revoke (rule 7).
    [[nodiscard]] Result<std::string> revoker(const CaseAccess& access, const domain::Roi& roi,
                                              const RevokeInput& input, UnixTime now) const;

    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentAccess& m_access;
    ConsentRecords& m_records;
    const Clock& m_clock;
    RevocationNotice m_on_revocation;
};

} // namespace kinvault::services
