// The decision table: one scenario per behaviour of domain.md's release rules, each through the pure engine.
#include "family.h"

#include <catch2/catch.hpp>

using namespace kinvault::domain;
using namespace kinvault::domain::test;

namespace {

void require_permit(const Decision& d, RuleCode rule) {
    INFO(d.reason);
    REQUIRE(d.effect == Effect::permit);
    REQUIRE(to_string(d.rule) == to_string(rule));
    REQUIRE_FALSE(d.conceal_existence());
}

void require_deny(const Decision& d, RuleCode rule) {
    INFO(d.reason);
    REQUIRE(d.effect == Effect::deny);
    REQUIRE(to_string(d.rule) == to_string(rule));
    REQUIRE(d.conceal_existence());
}

CourtOrder verified_order(const OrderId& id, const std::string& effective) {
    CourtOrder o;
    o.id = id;
    o.case_id = "case-1";
    o.document = "doc-" + id;
    o.case_number = "FL-" + id;
    o.issued_at = day(effective);
    o.effective_at = day(effective);
    o.status = OrderStatus::verified;
    o.verified_by = clinician_user;
    return o;
}

SharingRestriction barring(std::vector<PartyId> parties, std::vector<Role> roles = {}) {
    SharingRestriction r;
    r.barred_parties = std::move(parties);
    r.barred_roles = std::move(roles);
    r.text = "No therapy records are to be shared with the barred parties.";
    return r;
}

} // namespace

// ---- Rule 1: deny by default; the foundation's bases
// -------------------------------------------------------

TEST_CASE("a party with no ROI naming them cannot see a report about the child", "[release][rule1]") {
    Family f;
    require_deny(f.decide(alan, f.doc()), RuleCode::default_deny);
}

TEST_CASE("the case's clinician sees every document of the case", "[release][rule1]") {
    Family f;
    auto notes = f.doc();
    notes.sensitivity = {Sensitivity::psychotherapy_notes};
    require_permit(decide_release({f.facts, notes}, f.as_clinician()), RuleCode::clinician);
    require_permit(decide_release({f.facts, f.letter(LetterState::draft)}, f.as_clinician()),
                   RuleCode::clinician);
}

TEST_CASE("a clinician account not assigned to the case sees nothing of it", "[release][rule1]") {
    Family f;
    ReleaseRequest r;
    r.requester = requester_for_user(f.facts, "u-other-clinician", AccountKind::clinician);
    r.now = f.now;
    require_deny(decide_release({f.facts, f.doc()}, r), RuleCode::not_a_party);
}

TEST_CASE("a parent sees a document they uploaded", "[release][rule1]") {
    Family f;
    auto d = f.doc(DocType::other, InfoCategory::correspondence);
    d.uploader = "u-mother";
    d.author = mother;
    d.subjects = {mother};
    require_permit(f.decide(mother, d), RuleCode::own_record);
}

TEST_CASE("a parent does not see a document the other parent uploaded", "[release][rule1]") {
    Family f;
    auto d = f.doc(DocType::other, InfoCategory::correspondence);
    d.uploader = "u-mother";
    d.author = mother;
    d.subjects = {mother};
    require_deny(f.decide(father, d), RuleCode::default_deny);
}

TEST_CASE("a document of another case is refused even to the clinician", "[release][rule1]") {
    Family f;
    auto d = f.doc();
    d.case_id = "case-2";
    require_deny(decide_release({f.facts, d}, f.as_clinician()), RuleCode::wrong_case);
}

TEST_CASE("a user with no party in the case is refused", "[release][rule1]") {
    Family f;
    ReleaseRequest r;
    r.requester = requester_for_user(f.facts, "u-stranger", AccountKind::member);
    r.now = f.now;
    require_deny(decide_release({f.facts, f.doc()}, r), RuleCode::not_a_party);
}

TEST_CASE("a court order compelling release permits it to the named recipient", "[release][rule1]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.compels.push_back(
        CompelledRelease{{alan}, {}, {DocType::report}, {}, {}, "Produce session summaries."});
    f.facts.orders.push_back(o);
    const auto d = f.decide(alan, f.doc());
    require_permit(d, RuleCode::court_order_compels);
    REQUIRE(d.basis.kind == BasisKind::court_order);
    REQUIRE(d.basis.ids == std::vector<std::string>{"order-2"});
}

TEST_CASE("a court order compelling release to the court does not reach the attorneys", "[release][rule1]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.compels.push_back(CompelledRelease{{}, {Role::court}, {DocType::report}, {}, {}, ""});
    f.facts.orders.push_back(o);
    require_permit(f.decide(judge, f.doc()), RuleCode::court_order_compels);
    require_deny(f.decide(alan, f.doc()), RuleCode::default_deny);
}

TEST_CASE("an order the clinician has not verified compels nothing", "[release][rule1]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.status = OrderStatus::received;
    o.compels.push_back(CompelledRelease{{alan}, {}, {DocType::report}, {}, {}, ""});
    f.facts.orders.push_back(o);
    require_deny(f.decide(alan, f.doc()), RuleCode::default_deny);
}

TEST_CASE(
    "a parent who is the only subject of a report still needs clinician review unless policy allows access",
    "[release][rule1]") {
    Family f;
    auto d = f.doc();
    d.subjects = {father};
    require_deny(f.decide(father, d), RuleCode::default_deny);
    Policy open_access;
    open_access.subject_right_of_access = true;
    require_permit(f.decide(father, d, std::nullopt, open_access), RuleCode::own_information);
}

// ---- Rule 2: court orders first ---------------------------------------------------------------------------

TEST_CASE("a court-order restriction denies an attorney even with an active ROI", "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({alan}));
    f.facts.orders.push_back(o);
    const auto d = f.decide(alan, f.doc());
    require_deny(d, RuleCode::order_restriction);
    REQUIRE(d.basis.ids == std::vector<std::string>{"order-2"});
    REQUIRE_THAT(d.reason, Catch::Contains("R3.roi would have permitted it"));
}

TEST_CASE("a restriction barring a role applies to every party in that role", "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    f.add_roi("r2", beth);
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({}, {Role::attorney}));
    f.facts.orders.push_back(o);
    require_deny(f.decide(alan, f.doc()), RuleCode::order_restriction);
    require_deny(f.decide(beth, f.doc()), RuleCode::order_restriction);
}

TEST_CASE("a restriction limited to a category leaves other categories releasable", "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o = verified_order("order-2", "2026-01-01");
    auto r = barring({alan});
    r.categories = {InfoCategory::assessment};
    o.restrictions.push_back(r);
    f.facts.orders.push_back(o);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
    require_deny(f.decide(alan, f.doc(DocType::report, InfoCategory::assessment)),
                 RuleCode::order_restriction);
}

TEST_CASE("a superseded order's restriction no longer applies", "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({alan}));
    o.status = OrderStatus::superseded;
    f.facts.orders.push_back(o);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a restriction lifted by a later order in that subject area no longer applies",
          "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o2 = verified_order("order-2", "2026-01-01");
    o2.restrictions.push_back(barring({alan}));
    f.facts.orders.push_back(o2);
    auto o3 = verified_order("order-3", "2026-02-01");
    o3.supersedes.push_back(Supersession{"order-2", {SubjectArea::information_sharing}});
    f.facts.orders.push_back(o3);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a later custody order does not lift an earlier information-sharing restriction",
          "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o2 = verified_order("order-2", "2026-01-01");
    o2.restrictions.push_back(barring({alan}));
    f.facts.orders.push_back(o2);
    auto o3 = verified_order("order-3", "2026-02-01");
    o3.custody.push_back(CustodyTerms{{}, CustodyKind::joint, {mother, father}});
    o3.supersedes.push_back(Supersession{"order-2", {SubjectArea::legal_custody}});
    f.facts.orders.push_back(o3);
    require_deny(f.decide(alan, f.doc()), RuleCode::order_restriction);
}

TEST_CASE("a vacated order's restriction no longer applies", "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({alan}));
    o.status = OrderStatus::vacated;
    f.facts.orders.push_back(o);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("an order restricts from its effective date on", "[release][rule2]") {
    Family f;
    f.add_roi("r1", alan);
    auto o = verified_order("order-2", "2026-04-01");
    o.restrictions.push_back(barring({alan}));
    f.facts.orders.push_back(o);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
    f.now = day("2026-04-01");
    require_deny(f.decide(alan, f.doc()), RuleCode::order_restriction);
}

TEST_CASE(
    "a protective order hides a document showing the protected parent's address from the restrained parent",
    "[release][rule2]") {
    Family f;
    auto& r = f.add_roi("r1", father);
    r.purposes.push_back(Purpose::at_request_of_individual);
    auto o = verified_order("order-2", "2026-01-01");
    o.protective.push_back(ProtectiveTerms{{father}, {mother}});
    f.facts.orders.push_back(o);
    auto d = f.doc();
    d.contact_details_of = {mother};
    require_deny(f.decide(father, d), RuleCode::protective_order);
}

TEST_CASE("a protective order does not hide documents without the protected party's contact details",
          "[release][rule2]") {
    Family f;
    auto& r = f.add_roi("r1", father);
    r.purposes.push_back(Purpose::at_request_of_individual);
    auto o = verified_order("order-2", "2026-01-01");
    o.protective.push_back(ProtectiveTerms{{father}, {mother}});
    f.facts.orders.push_back(o);
    require_permit(f.decide(father, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a protected party's contact details are hidden from the restrained party only",
          "[release][rule2]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.protective.push_back(ProtectiveTerms{{father}, {mother}});
    f.facts.orders.push_back(o);
    REQUIRE_FALSE(ReleaseContext(f.facts, f.as(father)).contact_details_visible(mother));
    REQUIRE(ReleaseContext(f.facts, f.as(alan)).contact_details_visible(mother));
    REQUIRE(ReleaseContext(f.facts, f.as_clinician()).contact_details_visible(mother));
    REQUIRE(ReleaseContext(f.facts, f.as(father)).contact_details_visible(sam));
}

TEST_CASE("a restriction does not take away what a party uploaded themselves", "[release][rule2]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({father}));
    f.facts.orders.push_back(o);
    auto d = f.doc(DocType::other, InfoCategory::correspondence);
    d.uploader = "u-father";
    d.author = father;
    require_permit(f.decide(father, d), RuleCode::own_record);
}

// ---- Rule 3: every dimension matched ----------------------------------------------------------------------

TEST_CASE("an active ROI naming the attorney permits a report about the child", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan);
    const auto d = f.decide(alan, f.doc());
    require_permit(d, RuleCode::roi_permits);
    REQUIRE(d.basis.kind == BasisKind::roi);
    REQUIRE(d.basis.ids == std::vector<std::string>{"r1"});
}

TEST_CASE("an ROI does not cover a document type it does not list", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan);
    require_deny(f.decide(alan, f.doc(DocType::court_order, InfoCategory::legal)), RuleCode::roi_scope);
}

TEST_CASE("an ROI covering a category covers documents of that category whatever their type",
          "[release][rule3]") {
    Family f;
    auto& r = f.add_roi("r1", alan);
    r.information.doc_types.clear();
    r.information.categories = {InfoCategory::assessment};
    require_permit(f.decide(alan, f.doc(DocType::other, InfoCategory::assessment)), RuleCode::roi_permits);
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_scope);
}

TEST_CASE("a document dated outside the ROI's date range is refused", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan).information.from = day("2026-02-15");
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_scope);
}

TEST_CASE("a purpose the ROI does not list is refused", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan);
    require_deny(f.decide(alan, f.doc(), Purpose::payment), RuleCode::roi_purpose);
    require_permit(f.decide(alan, f.doc(), Purpose::legal_proceedings), RuleCode::roi_permits);
}

TEST_CASE("an ROI past its expiry date no longer permits even while stored as active", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan).expiry.date = day("2026-02-15");
    const auto d = f.decide(alan, f.doc());
    require_deny(d, RuleCode::roi_not_in_force);
    REQUIRE_THAT(d.reason, Catch::Contains("expired on 2026-02-15"));
}

TEST_CASE("an ROI ends at the earlier of its expiry date and its expiry event", "[release][rule3]") {
    Family f;
    auto& r = f.add_roi("r1", alan);
    r.expiry.event = ExpiryEvent::case_closed;
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
    f.facts.closed_at = day("2026-02-20");
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_not_in_force);
}

TEST_CASE("an ROI still pending signatures permits nothing", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan).state = RoiState::pending_signatures;
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_not_in_force);
}

TEST_CASE("a draft ROI permits nothing", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan).state = RoiState::draft;
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_not_in_force);
}

TEST_CASE("an ROI for information flowing only to the clinician releases nothing to the recipient",
          "[release][rule3]") {
    Family f;
    f.add_roi("r1", lee).direction = Direction::recipient_to_clinician;
    require_deny(f.decide(lee, f.doc()), RuleCode::roi_direction);
}

TEST_CASE("psychotherapy notes never ride on a general ROI", "[release][rule3]") {
    Family f;
    f.add_roi("r1", lee);
    auto notes = f.doc();
    notes.sensitivity = {Sensitivity::psychotherapy_notes};
    require_deny(f.decide(lee, notes), RuleCode::roi_sensitive);
}

TEST_CASE("a general ROI that lists psychotherapy notes is defective and releases nothing",
          "[release][rule3]") {
    Family f;
    f.add_roi("r1", lee).information.sensitivity = {Sensitivity::psychotherapy_notes};
    auto notes = f.doc();
    notes.sensitivity = {Sensitivity::psychotherapy_notes};
    REQUIRE_FALSE(f.decide(lee, notes).permitted());
    require_deny(f.decide(lee, f.doc()), RuleCode::roi_defective);
}

TEST_CASE("a psychotherapy-notes ROI releases the notes and nothing else", "[release][rule3]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    r.kind = RoiKind::psychotherapy_notes;
    r.information.doc_types.clear();
    r.information.sensitivity = {Sensitivity::psychotherapy_notes};
    auto notes = f.doc();
    notes.sensitivity = {Sensitivity::psychotherapy_notes};
    require_permit(f.decide(lee, notes), RuleCode::roi_permits);
    require_deny(f.decide(lee, f.doc()), RuleCode::roi_scope);
}

TEST_CASE("substance use information needs an ROI that describes it explicitly", "[release][rule3]") {
    Family f;
    f.add_roi("r1", lee);
    auto d = f.doc();
    d.sensitivity = {Sensitivity::substance_use};
    require_deny(f.decide(lee, d), RuleCode::roi_sensitive);
    auto& r = f.roi("r1");
    r.information.sensitivity = {Sensitivity::substance_use};
    r.information.substance_use_description = "alcohol use disorder treatment records, 2025-2026";
    require_permit(f.decide(lee, d), RuleCode::roi_permits);
}

TEST_CASE("a release under an ROI carries the redisclosure notice, the use limit and the end date",
          "[release][rule3][rule12]") {
    Family f;
    f.add_roi("r1", alan);
    const auto d = f.decide(alan, f.doc());
    require_permit(d, RuleCode::roi_permits);
    const auto has = [&d](ObligationKind k) {
        return std::any_of(d.obligations.begin(), d.obligations.end(),
                           [k](const Obligation& o) { return o.kind == k; });
    };
    REQUIRE(has(ObligationKind::redisclosure_notice));
    REQUIRE(has(ObligationKind::use_limit));
    REQUIRE(has(ObligationKind::expiry));
    REQUIRE_FALSE(has(ObligationKind::part2_notice));
}

TEST_CASE("a release of substance use information carries the 42 CFR 2.32 notice",
          "[release][rule3][rule12]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    r.information.sensitivity = {Sensitivity::substance_use};
    r.information.substance_use_description = "substance use assessment";
    auto doc = f.doc();
    doc.sensitivity = {Sensitivity::substance_use};
    const auto d = f.decide(lee, doc);
    require_permit(d, RuleCode::roi_permits);
    REQUIRE(std::any_of(d.obligations.begin(), d.obligations.end(),
                        [](const Obligation& o) { return o.kind == ObligationKind::part2_notice; }));
}

TEST_CASE("a document about two people needs an ROI from each of them", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan);
    auto d = f.doc();
    d.subjects = {sam, mother};
    require_deny(f.decide(alan, d), RuleCode::default_deny);
    auto& r2 = f.add_roi("r2", alan);
    r2.subject = mother;
    r2.signatures = {RoiSignature{mother, SignerCapacity::self, {}, day("2026-01-12"), "envelope-2"}};
    const auto permit = f.decide(alan, d);
    require_permit(permit, RuleCode::roi_permits);
    REQUIRE(permit.basis.ids == std::vector<std::string>{"r1", "r2"});
}

TEST_CASE("a document with no recorded subject cannot be released under an ROI", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan);
    auto d = f.doc();
    d.subjects.clear();
    const auto decision = f.decide(alan, d);
    require_deny(decision, RuleCode::default_deny);
    REQUIRE_THAT(decision.reason, Catch::Contains("no recorded subject"));
}

TEST_CASE("an ROI missing a required statement releases nothing even when stored as active",
          "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan).statements.redisclosure = false;
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_defective);
}

TEST_CASE("a superseded ROI permits nothing", "[release][rule3]") {
    Family f;
    auto& r = f.add_roi("r1", alan);
    r.state = RoiState::superseded;
    r.superseded_by = "r9";
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_not_in_force);
}

TEST_CASE("an ROI releases nothing before its start date", "[release][rule3]") {
    Family f;
    f.add_roi("r1", alan).valid_from = day("2026-04-01");
    require_deny(f.decide(alan, f.doc()), RuleCode::roi_not_in_force);
    f.now = day("2026-04-01");
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
}

// ---- Rule 4: deny overrides permit ------------------------------------------------------------------------

TEST_CASE("a restriction overrides a court order compelling the same release", "[release][rule4]") {
    Family f;
    auto o2 = verified_order("order-2", "2026-01-01");
    o2.compels.push_back(CompelledRelease{{alan}, {}, {DocType::report}, {}, {}, ""});
    f.facts.orders.push_back(o2);
    auto o3 = verified_order("order-3", "2026-01-15");
    o3.restrictions.push_back(barring({alan}));
    f.facts.orders.push_back(o3);
    require_deny(f.decide(alan, f.doc()), RuleCode::order_restriction);
}

TEST_CASE("a restriction overrides what the agreement allows", "[release][rule4]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({}, {Role::court}));
    f.facts.orders.push_back(o);
    require_deny(f.decide(judge, f.doc(DocType::report, InfoCategory::progress_report)),
                 RuleCode::order_restriction);
}

TEST_CASE("a requester holding two parties is refused when a restriction bars either", "[release][rule4]") {
    Family f;
    f.add_roi("r1", alan);
    auto& beth_party = f.party(beth);
    beth_party.user = "u-alan"; // one lawyer acting for both parents, as two parties
    auto o = verified_order("order-2", "2026-01-01");
    o.restrictions.push_back(barring({beth}));
    f.facts.orders.push_back(o);
    require_deny(f.decide(alan, f.doc()), RuleCode::order_restriction);
}

// ---- Rule 5: who may authorise for a child ----------------------------------------------------------------

TEST_CASE("a parent without legal custody cannot authorise release to the child's therapist",
          "[release][rule5]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    auto& r = f.add_roi("r1", lee);
    r.signatures = {RoiSignature{father, SignerCapacity::parent_legal_custody,
                                 AuthorityRef{AuthorityKind::court_order, custody_order}, day("2026-01-10"),
                                 ""}};
    require_deny(f.decide(lee, f.doc()), RuleCode::no_authority);
}

TEST_CASE("with joint legal custody either parent alone authorises", "[release][rule5]") {
    Family f;
    f.add_roi("r1", lee);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
    auto& r = f.add_roi("r2", alan);
    r.signatures = {RoiSignature{father, SignerCapacity::parent_legal_custody,
                                 AuthorityRef{AuthorityKind::court_order, custody_order}, day("2026-01-10"),
                                 ""}};
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("when the order requires mutual consent both joint custodians must sign", "[release][rule5]") {
    Family f;
    f.order(custody_order)
        .mutual_consent.push_back(MutualConsent{{}, {DecisionSubject::release_of_information}});
    auto& r = f.add_roi("r1", lee);
    require_deny(f.decide(lee, f.doc()), RuleCode::no_authority);
    r.signatures.push_back(RoiSignature{father, SignerCapacity::parent_legal_custody,
                                        AuthorityRef{AuthorityKind::court_order, custody_order},
                                        day("2026-01-11"), ""});
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("mutual consent for an unrelated subject leaves either parent able to authorise",
          "[release][rule5]") {
    Family f;
    f.order(custody_order).mutual_consent.push_back(MutualConsent{{}, {DecisionSubject::education}});
    f.add_roi("r1", lee);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("with sole legal custody the custodian alone authorises", "[release][rule5]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    f.add_roi("r1", lee);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("an order about physical custody alone does not change who authorises", "[release][rule5]") {
    Family f;
    auto o = verified_order("order-2", "2026-01-01");
    o.areas = {SubjectArea::physical_custody};
    f.facts.orders.push_back(o);
    auto& r = f.add_roi("r1", lee);
    r.signatures[0].signer = father;
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a minor of 12 or more alone authorises release about services they consented to",
          "[release][rule5]") {
    Family f;
    f.party(sam).date_of_birth = day("2013-01-01");
    f.party(lee).minor_consented_treatment = true;
    auto& r = f.add_roi("r1", lee);
    r.minor_consented_services = true;
    r.signatures = {RoiSignature{sam, SignerCapacity::minor_self, {}, day("2026-01-10"), ""}};
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a parent's signature does not authorise release of a minor's self-consented services",
          "[release][rule5]") {
    Family f;
    f.party(sam).date_of_birth = day("2013-01-01");
    auto& r = f.add_roi("r1", lee);
    r.minor_consented_services = true;
    require_deny(f.decide(lee, f.doc()), RuleCode::no_authority);
}

TEST_CASE("the age at which a minor consents alone is a policy setting", "[release][rule5]") {
    Family f;
    f.party(sam).date_of_birth = day("2014-06-01"); // 11 on 2026-03-01
    auto& r = f.add_roi("r1", lee);
    r.minor_consented_services = true;
    r.signatures = {RoiSignature{sam, SignerCapacity::minor_self, {}, day("2026-01-10"), ""}};
    require_deny(f.decide(lee, f.doc()), RuleCode::no_authority);
    Policy eleven;
    eleven.minor_consent_age = 11;
    require_permit(f.decide(lee, f.doc(), std::nullopt, eleven), RuleCode::roi_permits);
}

TEST_CASE("without a custody order or custody record nobody can authorise for a child", "[release][rule5]") {
    Family f;
    f.order(custody_order).custody.clear();
    f.add_roi("r1", lee);
    const auto d = f.decide(lee, f.doc());
    require_deny(d, RuleCode::no_authority);
    REQUIRE_THAT(d.reason, Catch::Contains("no legal custody is on record"));
}

TEST_CASE("a verified custody record stands in when there is no custody order", "[release][rule5]") {
    Family f;
    f.order(custody_order).custody.clear();
    f.facts.custody_records.push_back(CustodyRecord{
        "cr-1", sam, CustodyKind::joint, {mother, father}, day("2025-01-05"), true, "married, no order"});
    f.add_roi("r1", lee);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
    f.facts.custody_records[0].verified = false;
    require_deny(f.decide(lee, f.doc()), RuleCode::no_authority);
}

// ---- Rule 6: closed process -------------------------------------------------------------------------------

TEST_CASE("a closed process releases nothing to an attorney beyond the agreement, even with an ROI",
          "[release][rule6]") {
    Family f(ProcessMode::closed);
    f.add_roi("r1", alan);
    require_deny(f.decide(alan, f.doc()), RuleCode::closed_process);
}

TEST_CASE(
    "a closed process releases the client's attendance records to their attorney as the agreement allows",
    "[release][rule6]") {
    Family f(ProcessMode::closed);
    auto d = f.doc(DocType::report, InfoCategory::attendance);
    d.subjects = {father};
    const auto decision = f.decide(alan, d);
    require_permit(decision, RuleCode::agreement_allowance);
    REQUIRE(decision.basis.kind == BasisKind::agreement);
    REQUIRE(decision.basis.ids == std::vector<std::string>{"doc-agreement"});
}

TEST_CASE("a client-only allowance does not give an attorney the other parent's attendance",
          "[release][rule6]") {
    Family f(ProcessMode::closed);
    auto d = f.doc(DocType::report, InfoCategory::attendance);
    d.subjects = {mother};
    require_deny(f.decide(alan, d), RuleCode::closed_process);
}

TEST_CASE("a closed process does not release progress reports to the court", "[release][rule6]") {
    Family f(ProcessMode::closed);
    require_deny(f.decide(judge, f.doc(DocType::report, InfoCategory::progress_report)),
                 RuleCode::closed_process);
}

TEST_CASE("an open process sends progress reports to the court as the agreement says", "[release][rule6]") {
    Family f(ProcessMode::open);
    require_permit(f.decide(judge, f.doc(DocType::report, InfoCategory::progress_report)),
                   RuleCode::agreement_allowance);
}

TEST_CASE("a closed process still releases to the child's therapist under an ROI", "[release][rule6]") {
    Family f(ProcessMode::closed);
    f.add_roi("r1", lee);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a court order compels release to an attorney even in a closed process", "[release][rule6]") {
    Family f(ProcessMode::closed);
    auto o = verified_order("order-2", "2026-01-01");
    o.compels.push_back(CompelledRelease{{alan}, {}, {DocType::report}, {}, {}, ""});
    f.facts.orders.push_back(o);
    require_permit(f.decide(alan, f.doc()), RuleCode::court_order_compels);
}

TEST_CASE("without an executed agreement a closed process releases nothing to attorneys",
          "[release][rule6]") {
    Family f(ProcessMode::closed);
    f.facts.agreement->state = AgreementState::partially_signed;
    auto d = f.doc(DocType::report, InfoCategory::attendance);
    d.subjects = {father};
    const auto decision = f.decide(alan, d);
    require_deny(decision, RuleCode::closed_process);
    REQUIRE_THAT(decision.reason, Catch::Contains("no executed agreement"));
}

TEST_CASE("opening a closed case applies only going forward", "[release][rule6]") {
    Family f(ProcessMode::closed);
    f.facts.mode_history.push_back(ModeChange{ProcessMode::open, day("2026-02-15"), "doc-amendment"});
    f.add_roi("r1", alan);
    auto before = f.doc();
    before.created_at = day("2026-02-01");
    auto after = f.doc();
    after.created_at = day("2026-02-20");
    require_deny(f.decide(alan, before), RuleCode::closed_process);
    require_permit(f.decide(alan, after), RuleCode::roi_permits);
}

TEST_CASE("closing an open case stops releases to attorneys from then on unless policy keeps earlier terms",
          "[release][rule6]") {
    Family f(ProcessMode::open);
    f.facts.mode_history.push_back(ModeChange{ProcessMode::closed, day("2026-02-15"), "doc-amendment"});
    f.add_roi("r1", alan);
    auto before = f.doc();
    before.created_at = day("2026-02-01");
    require_deny(f.decide(alan, before), RuleCode::closed_process);
    Policy keep;
    keep.closing_reaches_back = false;
    require_permit(f.decide(alan, before, std::nullopt, keep), RuleCode::roi_permits);
    f.now = day("2026-02-10"); // before the amendment took effect
    require_permit(f.decide(alan, before), RuleCode::roi_permits);
}

// ---- Rule 7: revocation -----------------------------------------------------------------------------------

TEST_CASE("revocation by one joint custodian stops release at once", "[release][rule7]") {
    Family f;
    f.add_roi("r1", alan); // signed by Mother
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
    REQUIRE(revoke_roi(f.roi("r1"), Revocation{father, f.now, std::nullopt}, f.facts, {}).ok());
    require_deny(f.decide(alan, f.doc()), RuleCode::revoked);
}

TEST_CASE("revoking one recipient leaves the others in force", "[release][rule7]") {
    Family f;
    auto& r = f.add_roi("r1", alan);
    r.recipients.push_back(RoiRecipient{RecipientKind::party, beth, std::nullopt, std::nullopt});
    REQUIRE(revoke_roi(f.roi("r1"), Revocation{mother, f.now, alan}, f.facts, {}).ok());
    REQUIRE(f.roi("r1").state == RoiState::active);
    require_deny(f.decide(alan, f.doc()), RuleCode::revoked);
    require_permit(f.decide(beth, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("a parent without legal custody cannot revoke an ROI they did not sign", "[release][rule7]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    f.add_roi("r1", alan);
    const auto s = revoke_roi(f.roi("r1"), Revocation{father, f.now, std::nullopt}, f.facts, {});
    REQUIRE_FALSE(s.ok());
    REQUIRE(s.error().code == kinvault::Errc::forbidden);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("whether a joint custodian may revoke the other's ROI is a policy setting", "[release][rule7]") {
    Family f;
    f.add_roi("r1", alan);
    Policy signers_only;
    signers_only.joint_custodian_may_revoke = false;
    REQUIRE_FALSE(
        revoke_roi(f.roi("r1"), Revocation{father, f.now, std::nullopt}, f.facts, signers_only).ok());
    REQUIRE(revoke_roi(f.roi("r1"), Revocation{mother, f.now, std::nullopt}, f.facts, signers_only).ok());
}

// ---- Rule 8: custody change -------------------------------------------------------------------------------

namespace {

// From 2026-02-15 Mother holds sole legal custody.
void give_mother_sole_custody(Family& f) {
    auto o = verified_order("order-2", "2026-02-15");
    o.custody.push_back(CustodyTerms{{}, CustodyKind::sole, {mother}});
    o.supersedes.push_back(Supersession{custody_order, {SubjectArea::legal_custody}});
    f.facts.orders.push_back(o);
}

RoiSignature father_signature() {
    return RoiSignature{father, SignerCapacity::parent_legal_custody,
                        AuthorityRef{AuthorityKind::court_order, custody_order}, day("2026-01-10"), ""};
}

} // namespace

TEST_CASE("a new custody order suspends ROIs signed by the parent who lost legal custody",
          "[release][rule8]") {
    Family f;
    f.add_roi("r1", lee).signatures = {father_signature()};
    give_mother_sole_custody(f);
    require_deny(f.decide(lee, f.doc()), RuleCode::custody_changed);
    const auto review = rois_needing_review(f.facts, f.now, {});
    REQUIRE(review.size() == 1);
    REQUIRE(review[0].roi == "r1");
    REQUIRE(review[0].reason == ReviewReason::custody_changed);
    REQUIRE(review[0].signers == std::vector<PartyId>{father});
}

TEST_CASE("ROIs signed by the parent who kept legal custody stay in force after a custody change",
          "[release][rule8]") {
    Family f;
    f.add_roi("r1", lee);
    give_mother_sole_custody(f);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
    REQUIRE(rois_needing_review(f.facts, f.now, {}).empty());
}

TEST_CASE("clinician review reinstates a suspended ROI when the remaining custodian's signature suffices",
          "[release][rule8]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    r.signatures.push_back(father_signature());
    give_mother_sole_custody(f);
    require_deny(f.decide(lee, f.doc()), RuleCode::custody_changed);
    REQUIRE(suspend_roi(f.roi("r1"), "custody order FL-order-2", f.now).ok());
    require_deny(f.decide(lee, f.doc()), RuleCode::custody_changed);
    REQUIRE(reinstate_roi(f.roi("r1"), f.facts, f.now, {}).ok());
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("clinician review cannot reinstate an ROI only the parent who lost custody signed",
          "[release][rule8]") {
    Family f;
    f.add_roi("r1", lee).signatures = {father_signature()};
    give_mother_sole_custody(f);
    REQUIRE(suspend_roi(f.roi("r1"), "custody changed", f.now).ok());
    REQUIRE_FALSE(reinstate_roi(f.roi("r1"), f.facts, f.now, {}).ok());
    REQUIRE(f.roi("r1").state == RoiState::suspended);
}

// ---- Rule 9: lawyer substitution --------------------------------------------------------------------------

namespace {

void substitute_alan_with_carl(Family& f) {
    auto& a = f.party(alan);
    a.status = PartyStatus::substituted;
    a.status_since = day("2026-02-20");
    a.successor = "carl";
    Party carl = make_party("carl", Role::attorney, "Carl");
    carl.represents = father;
    f.facts.parties.push_back(carl);
}

} // namespace

TEST_CASE("an ROI naming an individual lawyer does not pass to the successor", "[release][rule9]") {
    Family f;
    f.add_roi("r1", alan);
    substitute_alan_with_carl(f);
    const auto d = f.decide("carl", f.doc());
    require_deny(d, RuleCode::counsel_substituted);
    REQUIRE(std::any_of(d.notes.begin(), d.notes.end(), [](const std::string& n) {
        return n.find("does not pass to Carl") != std::string::npos;
    }));
}

TEST_CASE("a substituted lawyer's access ends when the substitution is recorded", "[release][rule9]") {
    Family f;
    f.add_roi("r1", alan);
    auto own = f.doc(DocType::other, InfoCategory::legal);
    own.uploader = "u-alan";
    own.author = alan;
    substitute_alan_with_carl(f);
    require_deny(f.decide(alan, f.doc()), RuleCode::counsel_substituted);
    require_deny(f.decide(alan, own), RuleCode::counsel_substituted);
}

TEST_CASE("an ROI naming counsel of record for a parent resolves to the current counsel",
          "[release][rule9]") {
    Family f;
    f.add_roi("r1", father, RecipientKind::counsel_of_record_for);
    require_permit(f.decide(alan, f.doc()), RuleCode::roi_permits);
    substitute_alan_with_carl(f);
    require_permit(f.decide("carl", f.doc()), RuleCode::roi_permits);
    require_deny(f.decide(alan, f.doc()), RuleCode::counsel_substituted);
    require_deny(f.decide(beth, f.doc()), RuleCode::default_deny);
}

TEST_CASE("minor's counsel is counsel of record for the child", "[release][rule9]") {
    Family f;
    f.add_roi("r1", sam, RecipientKind::counsel_of_record_for);
    require_permit(f.decide(mia, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("an ROI naming the child's therapist by function follows a change of therapist",
          "[release][rule9]") {
    Family f;
    f.add_roi("r1", sam, RecipientKind::therapist_of);
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
    f.party(lee).status = PartyStatus::withdrawn;
    Party kim = make_party("kim", Role::child_therapist, "Dr. Kim");
    kim.treats = sam;
    f.facts.parties.push_back(kim);
    require_permit(f.decide("kim", f.doc()), RuleCode::roi_permits);
    require_deny(f.decide(lee, f.doc()), RuleCode::not_a_party);
}

// ---- Rule 10: the child turns 18
// ---------------------------------------------------------------------------

TEST_CASE("a parent's ROI no longer authorises once the child turns 18", "[release][rule10]") {
    Family f;
    f.add_roi("r1", lee).expiry.date = day("2035-01-01");
    f.now = day("2033-09-15"); // Sam's 18th birthday
    require_deny(f.decide(lee, f.doc()), RuleCode::subject_adult);
    const auto review = rois_needing_review(f.facts, f.now, {});
    REQUIRE(review.size() == 1);
    REQUIRE(review[0].reason == ReviewReason::subject_reached_majority);
}

TEST_CASE("the day before the 18th birthday a parent's ROI still authorises", "[release][rule10]") {
    Family f;
    f.add_roi("r1", lee).expiry.date = day("2035-01-01");
    f.now = day("2033-09-14");
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("the adult child's own ROI authorises after 18", "[release][rule10]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    r.expiry.date = day("2035-01-01");
    r.signatures = {RoiSignature{sam, SignerCapacity::self, {}, day("2033-10-01"), ""}};
    r.activated_at = day("2033-10-01");
    f.now = day("2033-10-02");
    require_permit(f.decide(lee, f.doc()), RuleCode::roi_permits);
}

TEST_CASE("an ROI that ends when the subject comes of age ends on the 18th birthday", "[release][rule10]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    r.expiry.date = day("2035-01-01");
    r.expiry.event = ExpiryEvent::subject_reaches_majority;
    REQUIRE(roi_end(r, f.facts, {}) == day("2033-09-15"));
    f.now = day("2033-09-15");
    require_deny(f.decide(lee, f.doc()), RuleCode::roi_not_in_force);
}

// ---- Rules 11 and 12: no leaks, every decision explained
// ---------------------------------------------------

TEST_CASE("a forbidden document and a document of another case look the same to the caller",
          "[release][rule11]") {
    Family f;
    auto elsewhere = f.doc();
    elsewhere.case_id = "case-2";
    const auto forbidden = f.decide(alan, f.doc());
    const auto missing = f.decide(alan, elsewhere);
    REQUIRE(forbidden.conceal_existence());
    REQUIRE(missing.conceal_existence());
    REQUIRE(forbidden.effect == missing.effect);
}

TEST_CASE("a listing never shows a document the same requester could not read", "[release][rule11]") {
    Family f;
    f.add_roi("r1", alan);
    const ReleaseContext ctx(f.facts, f.as(alan));
    for (const auto& d :
         {f.doc(), f.doc(DocType::court_order, InfoCategory::legal), f.letter(LetterState::draft)}) {
        REQUIRE(ctx.permits(d) == ctx.decide(d).permitted());
        REQUIRE(ctx.permits(d) == f.decide(alan, d).permitted());
    }
}

TEST_CASE("every decision names a stable rule code and a reason", "[release][rule12]") {
    Family f;
    f.add_roi("r1", alan);
    for (const auto& who : {alan, beth, mother, father, lee, mia, judge, sam}) {
        const auto d = f.decide(who, f.doc());
        REQUIRE_FALSE(d.reason.empty());
        REQUIRE(parse_rule_code(d.rule_code()) == d.rule);
    }
}

// ---- Clarification letters --------------------------------------------------------------------------------

TEST_CASE("a draft clarification letter is visible only to its author and the clinician",
          "[release][letter]") {
    Family f;
    const auto l = f.letter(LetterState::draft);
    require_permit(f.decide(father, l), RuleCode::own_record);
    require_permit(decide_release({f.facts, l}, f.as_clinician()), RuleCode::clinician);
    require_deny(f.decide(mother, l), RuleCode::letter_unreleased);
    require_deny(f.decide(lee, l), RuleCode::letter_unreleased);
    require_deny(f.decide(sam, l), RuleCode::letter_unreleased);
}

TEST_CASE("an approved letter stays hidden from the child's therapist until the clinician releases it",
          "[release][letter]") {
    Family f;
    require_deny(f.decide(lee, f.letter(LetterState::approved)), RuleCode::letter_unreleased);
}

TEST_CASE("a released letter is visible to its release target", "[release][letter]") {
    Family f;
    require_permit(f.decide(lee, f.letter(LetterState::released)), RuleCode::letter_release);
    require_deny(f.decide(sam, f.letter(LetterState::released)), RuleCode::default_deny);
}

TEST_CASE("a released letter is not visible to the other parent or the attorneys without an ROI",
          "[release][letter]") {
    Family f;
    const auto l = f.letter(LetterState::released);
    require_deny(f.decide(mother, l), RuleCode::default_deny);
    require_deny(f.decide(alan, l), RuleCode::default_deny);
    require_deny(f.decide(beth, l), RuleCode::default_deny);
}

TEST_CASE("an ROI covering clarification letters lets the other parent see a released letter",
          "[release][letter]") {
    Family f;
    auto& r = f.add_roi("r1", mother);
    r.subject = father;
    r.information.doc_types = {DocType::clarification_letter};
    r.purposes = {Purpose::at_request_of_individual};
    r.signatures = {RoiSignature{father, SignerCapacity::self, {}, day("2026-01-10"), ""}};
    require_permit(f.decide(mother, f.letter(LetterState::released)), RuleCode::roi_permits);
    require_deny(f.decide(mother, f.letter(LetterState::submitted)), RuleCode::letter_unreleased);
}

TEST_CASE("the agreement never releases a clarification letter to counsel", "[release][letter]") {
    Family f;
    f.facts.agreement->open_allowances.push_back(
        AgreementAllowance{{Role::attorney}, {InfoCategory::correspondence}, AllowanceScope::whole_case});
    auto l = f.letter(LetterState::released);
    require_deny(f.decide(alan, l), RuleCode::default_deny);
    auto note = f.doc(DocType::other, InfoCategory::correspondence);
    require_permit(f.decide(alan, note), RuleCode::agreement_allowance);
}

TEST_CASE("a withdrawn letter goes back to its author and the clinician only", "[release][letter]") {
    Family f;
    const auto l = f.letter(LetterState::withdrawn);
    require_deny(f.decide(lee, l), RuleCode::letter_unreleased);
    require_permit(f.decide(father, l), RuleCode::own_record);
}

TEST_CASE("a letter the engine has no lifecycle facts for is treated as unreleased", "[release][letter]") {
    Family f;
    auto l = f.letter(LetterState::released);
    l.letter.reset();
    require_deny(f.decide(lee, l), RuleCode::letter_unreleased);
}

// ---- Envelopes --------------------------------------------------------------------------------------------

TEST_CASE("parties to an executed envelope get the executed copy", "[release][envelope]") {
    Family f(ProcessMode::closed);
    auto d = f.doc(DocType::reunification_agreement, InfoCategory::legal);
    d.envelope = EnvelopeMembership{"env-1", true, true, {mother, father, alan}};
    require_permit(f.decide(mother, d), RuleCode::envelope_party);
    require_permit(f.decide(alan, d), RuleCode::envelope_party);
    require_deny(f.decide(beth, d), RuleCode::closed_process);
    require_deny(f.decide(lee, d), RuleCode::default_deny);
}

TEST_CASE("a party to an envelope that is not yet executed does not get its documents",
          "[release][envelope]") {
    Family f;
    auto d = f.doc(DocType::reunification_agreement, InfoCategory::legal);
    d.envelope = EnvelopeMembership{"env-1", false, false, {mother, father}};
    require_deny(f.decide(mother, d), RuleCode::default_deny);
}

// ---- Explain ----------------------------------------------------------------------------------------------

TEST_CASE("the reason for an attorney's denial names the ROI and why it failed", "[release][explain]") {
    Family f;
    f.add_roi("r1", alan)
        .recipients.push_back(RoiRecipient{RecipientKind::party, beth, std::nullopt, std::nullopt});
    REQUIRE(revoke_roi(f.roi("r1"), Revocation{mother, day("2026-02-20"), alan}, f.facts, {}).ok());
    const auto d = f.decide(alan, f.doc());
    require_deny(d, RuleCode::revoked);
    REQUIRE(d.basis.ids == std::vector<std::string>{"r1"});
    REQUIRE_THAT(d.reason, Catch::Contains("ROI r1") && Catch::Contains("revoked for Alan on 2026-02-20") &&
                               Catch::Contains("by Mary"));
}

TEST_CASE("the explanation names the closest ROI when several name the attorney", "[release][explain]") {
    Family f;
    auto& narrow = f.add_roi("r1", alan);
    narrow.information.doc_types = {DocType::court_order};
    f.add_roi("r2", alan).expiry.date = day("2026-02-01");
    const auto d = f.decide(alan, f.doc());
    require_deny(d, RuleCode::roi_not_in_force);
    REQUIRE(d.basis.ids == std::vector<std::string>{"r2"});
    REQUIRE(d.notes.size() == 2);
}

TEST_CASE("a clinician can ask the engine as a party that has no account yet", "[release][explain]") {
    Family f;
    f.party(alan).user.clear();
    f.add_roi("r1", alan);
    ReleaseRequest r;
    r.requester = requester_as_party(f.facts, alan);
    r.now = f.now;
    require_permit(decide_release({f.facts, f.doc()}, r), RuleCode::roi_permits);
    require_deny(decide_release({f.facts, f.doc(DocType::court_order, InfoCategory::legal)}, r),
                 RuleCode::roi_scope);
}
