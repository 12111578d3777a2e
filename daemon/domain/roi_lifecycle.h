// ROI state changes that have preconditions. Paper ROIs (scanned, `roi record-signature`) and e-signed ROIs
// (envelopes) go through the same record_roi_signature, so both activate by the same rule.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/case_facts.h"
#include "domain/policy.h"
#include "domain/roi.h"

#include <optional>
#include <string>

namespace kinvault::domain {

// draft -> pending_signatures. Errc::invalid_input listing every defect when validate_roi finds any.
Status send_roi_for_signature(Roi& roi, const CaseFacts& facts, UnixTime at, const Policy& policy);

// Adds a signature to a pending ROI and activates it once check_authorisation is satisfied. The signer must
// be a party of the case who can sign in that capacity (the subject for self/minor_self, a current legal
// custodian for parent/guardian, with the authority named). Returns the state after the call.
Result<RoiState> record_roi_signature(Roi& roi, const RoiSignature& signature, const CaseFacts& facts,
                                      const Policy& policy);

struct Revocation {
    PartyId by;
    UnixTime at{0};
    std::optional<PartyId> recipient; // revoke for this recipient only
};

// Rule 7: effective when received. Whole: active|suspended -> revoked. Per recipient: marks that recipient;
// revoking the last unrevoked recipient revokes the whole ROI. may_revoke decides who may.
Status revoke_roi(Roi& roi, const Revocation& revocation, const CaseFacts& facts, const Policy& policy);

// Rule 8: pending clinician review.
Status suspend_roi(Roi& roi, std::string reason, UnixTime at);
// Clinician review done: back to active only when check_authorisation passes at `at`. The review accepts the
// losses of authority it saw (Roi::reviewed_at): those signatures stop counting, and the remaining ones must
// satisfy rule 5 on their own.
Status reinstate_roi(Roi& roi, const CaseFacts& facts, UnixTime at, const Policy& policy);

} // namespace kinvault::domain
