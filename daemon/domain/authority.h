// Who may authorise a release of a person's information (rule 5), re-evaluated at the moment of use so that a
// custody change (rule 8) or a child's 18th birthday (rule 10) takes effect without anyone editing an ROI.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/case_facts.h"
#include "domain/policy.h"
#include "domain/roi.h"

#include <span>
#include <string>
#include <vector>

namespace kinvault::domain {

struct LegalCustody {
    bool known{false};
    CustodyKind kind{CustodyKind::joint};
    std::vector<PartyId> holders;
    AuthorityRef source;                         // the governing court order, or the custody record
    std::vector<DecisionSubject> mutual_consent; // subjects the governing order reserves to both custodians
};

// Physical custody is irrelevant (rule 5): only legal custody is resolved. The governing custody order for
// the child wins over a verified custody record; with neither, custody is unknown and nobody can authorise.
[[nodiscard]] LegalCustody legal_custody_of(const CaseFacts& facts, const PartyId& child, UnixTime at);

enum class RequirementMode { any_of, all_of };

struct RequiredSigner {
    PartyId party;
    SignerCapacity capacity{SignerCapacity::self};
};

struct AuthorisationRequirement {
    PartyId subject;
    RequirementMode mode{RequirementMode::any_of};
    std::vector<RequiredSigner> signers;
    AuthorityRef authority;
    bool satisfiable{false}; // false: nobody can authorise now; `explanation` says why
    std::string explanation; // plain words: who must sign and why
};

// Rule 5 for `subject` at `at`:
//   an adult (or any non-child party) signs for themselves;
//   a minor's own services (minor_consented) and age >= policy.minor_consent_age: only the minor;
//   otherwise the legal custodians: sole -> that custodian; joint -> any one of them, unless the governing
//   order reserves one of `subjects` to mutual consent -> all of them.
[[nodiscard]] AuthorisationRequirement required_authorisers(const CaseFacts& facts, const PartyId& subject,
                                                            std::span<const DecisionSubject> subjects,
                                                            bool minor_consented, UnixTime at,
                                                            const Policy& policy);

struct AuthorisationCheck {
    bool satisfied{false};
    AuthorisationRequirement requirement;
    std::vector<PartyId> missing; // required signers who have not signed (all_of), or the candidates (any_of)
    std::vector<PartyId>
        lost_authority;            // signed for another person but no longer holds that authority (rule 8)
    bool subject_now_adult{false}; // signed by a representative; the adult has not signed (rule 10)
    std::string explanation;
};

// Whether the ROI's signatures authorise it at `at`. A signature made after `at` does not count.
[[nodiscard]] AuthorisationCheck check_authorisation(const Roi& roi, const CaseFacts& facts, UnixTime at,
                                                     const Policy& policy);

enum class ReviewReason { custody_changed, subject_reached_majority };

struct RoiNeedingReview {
    RoiId roi;
    ReviewReason reason{ReviewReason::custody_changed};
    std::vector<PartyId> signers; // whose authority lapsed
    std::string explanation;
};

// Rule 8 / rule 10: active ROIs a signer no longer had authority to sign for. The services layer suspends
// them (roi_lifecycle.h suspend_roi) pending clinician review; the engine denies them meanwhile regardless.
[[nodiscard]] std::vector<RoiNeedingReview> rois_needing_review(const CaseFacts& facts, UnixTime at,
                                                                const Policy& policy);

// Rule 7: who may revoke. A signer; the subject once they authorise for themselves; and, when
// policy.joint_custodian_may_revoke, any current legal custodian of a minor subject. Errc::forbidden
// otherwise.
Status may_revoke(const Roi& roi, const PartyId& who, const CaseFacts& facts, UnixTime at,
                  const Policy& policy);

[[nodiscard]] std::string_view to_string(RequirementMode m);
[[nodiscard]] std::string_view to_string(ReviewReason r);

} // namespace kinvault::domain
