// Court orders and support plans as structured terms (domain.md, "Court order"; rule 2, rule 5, rule 8).
// The uploaded PDF is the authority; these terms are what the clinician read from it when verifying it.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/document.h"
#include "domain/ids.h"
#include "domain/types.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::domain {

// Support plans (e.g. from child-welfare involvement) are handled like court orders.
enum class OrderKind { court_order, support_plan };

enum class OrderStatus { received, verified, active, superseded, vacated, expired };

// What an order rules on. Supersession is per area: a later custody order leaves an earlier order's
// information-sharing restriction in force.
enum class SubjectArea {
    legal_custody, // custody and the subjects that need mutual consent
    physical_custody,
    information_sharing,
    contact,
    protective,
    therapy,
    release, // orders compelling a release
};

enum class CustodyKind { sole, joint };

// Decisions a custody order can reserve to both legal custodians together.
enum class DecisionSubject {
    mental_health_treatment,
    release_of_information,
    medical,
    education,
    other,
};

struct CustodyTerms {
    std::vector<PartyId> children; // empty: every child of the case
    CustodyKind kind{CustodyKind::joint};
    std::vector<PartyId> holders; // legal custodians (parents, or a guardian)
};

struct MutualConsent {
    std::vector<PartyId> children; // empty: every child of the case
    std::vector<DecisionSubject> subjects;
};

// A deny rule (rule 2). Empty doc_types and categories mean "all information", empty `about` means "about
// anyone": the broad reading is the safe one for a restriction.
struct SharingRestriction {
    std::vector<PartyId> barred_parties;
    std::vector<Role> barred_roles;
    std::vector<DocType> doc_types;
    std::vector<InfoCategory> categories;
    std::vector<PartyId> about;
    std::string text; // the order's words, for the explanation
};

// Rule 2: the protected parties' contact details are hidden from the restrained parties.
struct ProtectiveTerms {
    std::vector<PartyId> restrained;
    std::vector<PartyId> protected_parties;
};

// A court order compelling a release (rule 1). Narrow by construction: empty lists compel nothing.
struct CompelledRelease {
    std::vector<PartyId> recipients;
    std::vector<Role> recipient_roles;
    std::vector<DocType> doc_types;
    std::vector<InfoCategory> categories;
    SensitivitySet sensitivity; // sensitive information the order names explicitly
    std::string text;
};

struct Supersession {
    OrderId order;
    std::vector<SubjectArea> areas; // empty: the whole order
};

struct CourtOrder {
    OrderId id;
    CaseId case_id;
    DocumentId document;
    OrderKind kind{OrderKind::court_order};
    std::string court;
    std::string case_number;
    std::string document_sha256; // of the uploaded PDF, for provenance
    UnixTime issued_at{0};
    UnixTime effective_at{0};
    std::optional<UnixTime> expires_at;
    OrderStatus status{OrderStatus::received};
    UnixTime status_changed_at{0};
    std::optional<UserId> verified_by;
    std::optional<UnixTime> verified_at;

    std::vector<SubjectArea> areas; // areas ruled on beyond those implied by the terms below
    std::vector<Supersession> supersedes;
    std::vector<CustodyTerms> custody;
    std::vector<MutualConsent> mutual_consent;
    std::vector<SharingRestriction> restrictions;
    std::vector<ProtectiveTerms> protective;
    std::vector<CompelledRelease> compels;
};

// Only verified or active orders count, and only from their effective date until they expire.
[[nodiscard]] bool order_counts(const CourtOrder& order, UnixTime at);
// Areas are implied by the terms (custody -> legal_custody, restrictions -> information_sharing, ...) and by
// explicit supersession (an order that lifts an earlier restriction rules on that area).
[[nodiscard]] bool order_addresses(const CourtOrder& order, SubjectArea area);
// True when a counting order supersedes `order` in `area` (or as a whole), or its status is superseded.
[[nodiscard]] bool order_superseded_in(const CourtOrder& order, SubjectArea area,
                                       std::span<const CourtOrder> all, UnixTime at);

// Deny and compel terms accumulate: every counting order that addresses the area and is not superseded in it.
// Recording the supersession is how a restriction is lifted, so a forgotten order fails closed.
[[nodiscard]] std::vector<const CourtOrder*> orders_in_force(std::span<const CourtOrder> orders,
                                                             SubjectArea area, UnixTime at);

// Status transitions: received -> verified -> active -> superseded | vacated | expired; a verified order may
// also be superseded, vacated or expire before it is marked active.
[[nodiscard]] bool order_transition_allowed(OrderStatus from, OrderStatus to);
Status verify_order(CourtOrder& order, const UserId& clinician, UnixTime at);

[[nodiscard]] std::string_view to_string(OrderKind k);
[[nodiscard]] std::optional<OrderKind> parse_order_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(OrderStatus s);
[[nodiscard]] std::optional<OrderStatus> parse_order_status(std::string_view text);
[[nodiscard]] std::string_view to_string(SubjectArea a);
[[nodiscard]] std::optional<SubjectArea> parse_subject_area(std::string_view text);
[[nodiscard]] std::string_view to_string(CustodyKind k);
[[nodiscard]] std::optional<CustodyKind> parse_custody_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(DecisionSubject s);
[[nodiscard]] std::optional<DecisionSubject> parse_decision_subject(std::string_view text);

} // namespace kinvault::domain
