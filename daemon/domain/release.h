// The consent-scope release engine: facts in, decision out (domain.md, "Release rules" 1-12). Pure and
// deterministic; the services layer calls it at every read and every listing through the foundation's single
// decision point, audits every decision with its rule and basis (rule 12), and answers every deny on a
// document exactly like a missing document (rule 11, Decision::conceal_existence).
//
// For listings, build one ReleaseContext per (case, requester, request time) and ask it about each document:
// everything that does not depend on the document (custody, orders in force, which ROIs name the requester
// and whether they stand) is worked out once in the constructor.
#pragma once

#include "common/clock.h"
#include "domain/case_facts.h"
#include "domain/document.h"
#include "domain/policy.h"
#include "domain/roi.h"
#include "domain/types.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::domain {

enum class Effect { deny, permit };

// Stable codes, persisted in the audit log: never renumber or rename, only add. to_string gives "R2.order-
// restriction" style names; the number is the rule of docs/domain.md that decided, "CL" the clarification
// letter lifecycle.
enum class RuleCode {
    default_deny,        // R1: no legal basis
    wrong_case,          // R1: the document is not part of the case the facts describe
    not_a_party,         // R1: the requester has no standing in the case
    clinician,           // R1: the case's clinician sees every document of the case
    own_record,          // R1: the requester uploaded or wrote it
    own_information,     // R1: the requester is its only subject (Policy::subject_right_of_access)
    envelope_party,      // R1: party to an executed envelope gets the executed copy
    court_order_compels, // R1: a court order compels the release
    order_restriction,   // R2: a restriction in an order in force
    protective_order,    // R2: contact details of a protected party, requested by a restrained party
    roi_permits,         // R3: an active ROI matched on every dimension
    roi_not_in_force,    // R3: draft, pending, expired, superseded or not yet valid
    roi_defective,       // R3: the ROI lacks a required element
    roi_scope,           // R3: subject, document type/category or date outside what the ROI describes
    roi_purpose,         // R3: purpose not listed
    roi_direction,       // R3: the ROI only covers information flowing to the clinician
    roi_sensitive,       // R3: psychotherapy notes or substance-use information not covered
    no_authority,        // R5: the signatures do not amount to a valid authorisation
    closed_process,      // R6: closed process, nothing beyond what the agreement allows
    agreement_allowance, // R6: what the agreement allows attorneys/the court
    revoked,             // R7: revoked as a whole or for this recipient
    custody_changed,     // R8: signed by someone who no longer holds legal custody; suspended
    counsel_substituted, // R9: individual counsel replaced, or an ROI naming the predecessor
    subject_adult,       // R10: the subject is an adult; a parent's signature no longer authorises
    letter_unreleased,   // CL: a letter before release: author and clinician only
    letter_release,      // CL: released to this target
};

enum class BasisKind {
    none,
    clinician,
    own_record,
    own_information,
    envelope,
    letter_release,
    court_order,
    agreement,
    roi,
};

// What the decision relied on. A permit from ROIs lists one ROI per subject of the document; a deny lists the
// order whose restriction applied or the ROIs that came closest.
struct Basis {
    BasisKind kind{BasisKind::none};
    std::vector<std::string> ids;
};

enum class ObligationKind {
    redisclosure_notice, // CA Civil Code 56.13: the recipient may not redisclose without a new authorization
    part2_notice,        // 42 CFR 2.32: substance use disorder information
    use_limit,           // only for the listed purposes / as the order or agreement says
    expiry,              // the authorization ends on a date
};

struct Obligation {
    ObligationKind kind{ObligationKind::use_limit};
    std::string text;
};

struct Decision {
    Effect effect{Effect::deny};
    RuleCode rule{RuleCode::default_deny};
    Basis basis;
    std::string reason;             // plain language for the clinician ("why can't the attorney see this?")
    std::vector<std::string> notes; // per ROI: why it did or did not apply
    std::vector<Obligation> obligations;

    [[nodiscard]] bool permitted() const { return effect == Effect::permit; }
    // Rule 11: the caller answers every deny on a document as "no such document" (404), so neither the
    // document nor a consent's existence leaks. The reason is for the audit log and the clinician only.
    [[nodiscard]] bool conceal_existence() const { return effect == Effect::deny; }
    [[nodiscard]] std::string_view rule_code() const;
};

// Recorded for the audit log. Reads and listings follow the same rules, so a listing never reveals a document
// that a read would refuse (rule 11).
enum class Action { read, list };

struct Requester {
    UserId user;
    AccountKind account{AccountKind::member};
    std::vector<PartyId> parties; // the requester's parties in this case
};

// The parties in `facts` whose account is `user`.
[[nodiscard]] Requester requester_for_user(const CaseFacts& facts, const UserId& user, AccountKind account);
// Explain as a party (`kinvault access explain DOC --as PARTY`), whether or not it has an account yet.
[[nodiscard]] Requester requester_as_party(const CaseFacts& facts, const PartyId& party);

// The purposes a role's requests are taken to serve when they state none (ReleaseRequest::purpose); the
// accounting of disclosures names the same ones.
[[nodiscard]] std::vector<Purpose> usual_purposes(Role role);

struct ReleaseRequest {
    Requester requester;
    Action action{Action::read};
    // The stated purpose. Without one, a role's usual purposes are assumed: counsel and the court
    // legal_proceedings; a child's therapist coordination_of_care or treatment; parents and children
    // at_request_of_individual.
    std::optional<Purpose> purpose;
    UnixTime now{0};
};

struct ReleaseFacts {
    const CaseFacts& facts;
    const DocumentFacts& document;
};

class ReleaseContext {
public:
    // `facts` must outlive the context; nothing else is referenced.
    ReleaseContext(const CaseFacts& facts, ReleaseRequest request, Policy policy = {});
    ~ReleaseContext();
    ReleaseContext(ReleaseContext&&) noexcept;
    ReleaseContext& operator=(ReleaseContext&&) noexcept;
    ReleaseContext(const ReleaseContext&) = delete;
    ReleaseContext& operator=(const ReleaseContext&) = delete;

    // The full decision with its reason, notes and obligations.
    [[nodiscard]] Decision decide(const DocumentFacts& document) const;
    // The same rules without building any text: for listings.
    [[nodiscard]] bool permits(const DocumentFacts& document) const;
    // Rule 2: false when a protective order in force hides `party`'s contact details from the requester.
    [[nodiscard]] bool contact_details_visible(const PartyId& party) const;
    [[nodiscard]] bool requester_is_clinician() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

[[nodiscard]] std::string_view to_string(Effect e);
[[nodiscard]] std::string_view to_string(RuleCode r);
[[nodiscard]] std::optional<RuleCode> parse_rule_code(std::string_view text);
[[nodiscard]] std::string_view to_string(BasisKind b);
[[nodiscard]] std::string_view to_string(ObligationKind o);
[[nodiscard]] std::string_view to_string(Action a);

} // namespace kinvault::domain
