// Coordination readiness: for each child and each of the child's individual therapists, every required
// authoriser (rule 5) and direction with its state, and what is missing from whom.
#include "family.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace kinvault::domain;
using namespace kinvault::domain::test;

namespace {

// An ROI between the clinician and Dr. Lee about Sam for coordination of care, in both directions.
Roi& coordination_roi(Family& f, const std::string& id, const PartyId& signer) {
    auto& r = f.add_roi(id, lee);
    r.purposes = {Purpose::coordination_of_care};
    r.signatures[0].signer = signer;
    return r;
}

// By value: callers pass a temporary CaseReadiness.
TherapistReadiness lee_readiness(const CaseReadiness& r) {
    REQUIRE(r.children.size() == 1);
    REQUIRE(r.children[0].therapists.size() == 1);
    return r.children[0].therapists[0];
}

LinkState state_of(const TherapistReadiness& t, const PartyId& who, Direction d) {
    for (const auto& l : t.links) {
        if (l.authoriser == who && l.direction == d) {
            return l.state;
        }
    }
    FAIL("no link for " << who << " " << to_string(d));
    return LinkState::missing;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&text](const std::string& l) { return l.find(text) != std::string::npos; });
}

constexpr auto k_out = Direction::clinician_to_recipient;
constexpr auto k_in = Direction::recipient_to_clinician;

} // namespace

TEST_CASE("a case without coordination ROIs is not ready and says who must sign in which direction",
          "[readiness]") {
    Family f;
    const auto r = assess_readiness(f.facts, f.now);
    REQUIRE_FALSE(r.ready);
    const auto t = lee_readiness(r);
    REQUIRE_FALSE(t.ready);
    REQUIRE(t.mode == RequirementMode::any_of);
    REQUIRE(t.links.size() == 4);
    REQUIRE(state_of(t, mother, k_out) == LinkState::missing);
    REQUIRE(state_of(t, father, k_in) == LinkState::missing);
    REQUIRE(t.missing.size() == 2);
    REQUIRE(mentions(t.missing,
                     "Needs an ROI signed by Mary or Frank letting the clinician share information about "
                     "Sam with Dr. Lee"));
    REQUIRE(mentions(t.missing, "letting Dr. Lee share information about Sam with the clinician"));
}

TEST_CASE("readiness follows an ROI from missing to pending to active to revoked", "[readiness]") {
    Family f;
    auto& r = coordination_roi(f, "r1", mother);
    r.state = RoiState::pending_signatures;
    r.signatures.clear();
    r.activated_at.reset();
    {
        const auto t = lee_readiness(assess_readiness(f.facts, f.now));
        REQUIRE(state_of(t, mother, k_out) == LinkState::pending);
        REQUIRE(state_of(t, father, k_out) == LinkState::pending);
        REQUIRE_FALSE(t.ready);
    }
    const auto activated = record_roi_signature(
        f.roi("r1"),
        RoiSignature{mother, SignerCapacity::parent_legal_custody,
                     AuthorityRef{AuthorityKind::court_order, custody_order}, day("2026-02-20"), ""},
        f.facts, {});
    REQUIRE(activated.ok());
    {
        const auto readiness = assess_readiness(f.facts, f.now);
        const auto t = lee_readiness(readiness);
        REQUIRE(state_of(t, mother, k_out) == LinkState::active);
        REQUIRE(state_of(t, mother, k_in) == LinkState::active);
        REQUIRE(state_of(t, father, k_out) == LinkState::missing);
        REQUIRE(t.ready);
        REQUIRE(t.missing.empty());
        REQUIRE(readiness.ready);
    }
    REQUIRE(revoke_roi(f.roi("r1"), Revocation{father, f.now, std::nullopt}, f.facts, {}).ok());
    {
        const auto readiness = assess_readiness(f.facts, f.now);
        const auto t = lee_readiness(readiness);
        REQUIRE(state_of(t, mother, k_out) == LinkState::revoked);
        REQUIRE_FALSE(t.ready);
        REQUIRE_FALSE(readiness.ready);
    }
}

TEST_CASE("an ROI ending within 30 days is reported as expiring but still counts", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother).expiry.date = day("2026-03-20");
    const auto readiness = assess_readiness(f.facts, f.now);
    const auto t = lee_readiness(readiness);
    REQUIRE(state_of(t, mother, k_out) == LinkState::expiring);
    REQUIRE(t.ready);
    REQUIRE(readiness.ready);
    const auto link = std::find_if(t.links.begin(), t.links.end(),
                                   [](const AuthoriserLink& l) { return l.authoriser == mother; });
    REQUIRE(link->ends_at == day("2026-03-20"));
}

TEST_CASE("an expired ROI makes the case not ready", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother).expiry.date = day("2026-02-20");
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE(state_of(t, mother, k_out) == LinkState::expired);
    REQUIRE_FALSE(t.ready);
}

TEST_CASE("a suspended ROI makes the case not ready", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother).state = RoiState::suspended;
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE(state_of(t, mother, k_in) == LinkState::suspended);
    REQUIRE_FALSE(t.ready);
}

TEST_CASE("an ROI revoked only for the therapist makes the case not ready", "[readiness]") {
    Family f;
    auto& r = coordination_roi(f, "r1", mother);
    r.recipients.push_back(RoiRecipient{RecipientKind::party, alan, std::nullopt, std::nullopt});
    REQUIRE(revoke_roi(r, Revocation{mother, f.now, lee}, f.facts, {}).ok());
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE(state_of(t, mother, k_out) == LinkState::revoked);
}

TEST_CASE("both directions of exchange are needed", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother).direction = Direction::clinician_to_recipient;
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE(state_of(t, mother, k_out) == LinkState::active);
    REQUIRE(state_of(t, mother, k_in) == LinkState::missing);
    REQUIRE_FALSE(t.ready);
    REQUIRE(t.missing.size() == 1);
    REQUIRE(mentions(t.missing, "letting Dr. Lee share information about Sam with the clinician"));
}

TEST_CASE("one custodian per direction is enough under joint custody", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother).direction = Direction::clinician_to_recipient;
    coordination_roi(f, "r2", father).direction = Direction::recipient_to_clinician;
    REQUIRE(lee_readiness(assess_readiness(f.facts, f.now)).ready);
}

TEST_CASE("when the order requires mutual consent each custodian's missing signature is named",
          "[readiness]") {
    Family f;
    f.order(custody_order)
        .mutual_consent.push_back(MutualConsent{{}, {DecisionSubject::mental_health_treatment}});
    auto& r = coordination_roi(f, "r1", mother);
    r.state = RoiState::pending_signatures;
    r.activated_at.reset();
    {
        const auto t = lee_readiness(assess_readiness(f.facts, f.now));
        REQUIRE(t.mode == RequirementMode::all_of);
        REQUIRE_FALSE(t.ready);
        REQUIRE(state_of(t, father, k_out) == LinkState::pending);
        REQUIRE(mentions(t.missing,
                         "Frank must sign an ROI letting the clinician share information about Sam with "
                         "Dr. Lee"));
        REQUIRE(mentions(t.missing, "waiting for Frank's signature"));
    }
    REQUIRE(*record_roi_signature(f.roi("r1"),
                                  RoiSignature{father, SignerCapacity::parent_legal_custody,
                                               AuthorityRef{AuthorityKind::court_order, custody_order},
                                               day("2026-02-25"), ""},
                                  f.facts, {}) == RoiState::active);
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE(t.ready);
    REQUIRE(state_of(t, father, k_in) == LinkState::active);
}

TEST_CASE("with sole legal custody only the custodian is listed", "[readiness]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    coordination_roi(f, "r1", father); // signed by a parent without legal custody: does not count
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE(t.links.size() == 2);
    REQUIRE(state_of(t, mother, k_out) == LinkState::missing);
    REQUIRE_FALSE(t.ready);
    REQUIRE_THAT(t.requirement, Catch::Contains("Mary holds sole legal custody of Sam"));
}

TEST_CASE("a child with no individual therapist is not ready", "[readiness]") {
    Family f;
    f.party(lee).status = PartyStatus::withdrawn;
    const auto r = assess_readiness(f.facts, f.now);
    REQUIRE_FALSE(r.ready);
    REQUIRE(r.children.size() == 1);
    REQUIRE_FALSE(r.children[0].ready);
    REQUIRE(r.children[0].therapists.empty());
    REQUIRE(mentions(r.children[0].problems, "Sam has no individual therapist on record"));
}

TEST_CASE("a case with no verified current court order or support plan says so", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother);
    f.order(custody_order).status = OrderStatus::received;
    // The custody order no longer counts, so custody falls back to a record.
    f.facts.custody_records.push_back(CustodyRecord{
        "cr-1", sam, CustodyKind::joint, {mother, father}, day("2025-01-05"), true, "declaration"});
    const auto r = assess_readiness(f.facts, f.now);
    REQUIRE_FALSE(r.has_current_order_or_plan);
    REQUIRE(mentions(r.problems, "No verified, current court order or support plan"));
    REQUIRE(r.children[0].ready);
    REQUIRE_FALSE(r.ready);
    Policy lenient;
    lenient.readiness_requires_order_or_plan = false;
    REQUIRE(assess_readiness(f.facts, f.now, lenient).ready);
}

TEST_CASE("a verified support plan counts as the current order", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother);
    CourtOrder plan;
    plan.id = "plan-1";
    plan.kind = OrderKind::support_plan;
    plan.status = OrderStatus::verified;
    plan.effective_at = day("2026-01-01");
    f.facts.orders.push_back(plan);
    f.order(custody_order).status = OrderStatus::expired;
    f.facts.custody_records.push_back(CustodyRecord{
        "cr-1", sam, CustodyKind::joint, {mother, father}, day("2025-01-05"), true, "declaration"});
    const auto r = assess_readiness(f.facts, f.now);
    REQUIRE(r.has_current_order_or_plan);
    REQUIRE(r.ready);
}

TEST_CASE("a minor's self-consented therapy needs only the minor's ROI", "[readiness]") {
    Family f;
    f.party(sam).date_of_birth = day("2012-05-05");
    f.party(lee).minor_consented_treatment = true;
    {
        const auto t = lee_readiness(assess_readiness(f.facts, f.now));
        REQUIRE(t.links.size() == 2);
        REQUIRE(t.links[0].authoriser == sam);
        REQUIRE(t.links[0].capacity == SignerCapacity::minor_self);
    }
    auto& r = coordination_roi(f, "r1", sam);
    r.minor_consented_services = true;
    r.signatures[0].capacity = SignerCapacity::minor_self;
    r.signatures[0].authority = {};
    REQUIRE(lee_readiness(assess_readiness(f.facts, f.now)).ready);
}

TEST_CASE("without custody information readiness says nobody can sign yet", "[readiness]") {
    Family f;
    f.order(custody_order).custody.clear();
    const auto t = lee_readiness(assess_readiness(f.facts, f.now));
    REQUIRE_FALSE(t.ready);
    REQUIRE(mentions(t.missing, "Nobody can sign yet: no legal custody is on record for Sam"));
}

TEST_CASE("an ROI for legal proceedings only does not count towards coordination", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother).purposes = {Purpose::legal_proceedings};
    REQUIRE_FALSE(lee_readiness(assess_readiness(f.facts, f.now)).ready);
}

TEST_CASE("an ROI naming the child's therapist by function counts", "[readiness]") {
    Family f;
    auto& r = coordination_roi(f, "r1", mother);
    r.recipients = {RoiRecipient{RecipientKind::therapist_of, sam, std::nullopt, std::nullopt}};
    REQUIRE(lee_readiness(assess_readiness(f.facts, f.now)).ready);
}

TEST_CASE("every child and every therapist must be ready", "[readiness]") {
    Family f;
    coordination_roi(f, "r1", mother);
    Party kim = make_party("kim", Role::child_therapist, "Dr. Kim");
    kim.treats = sam;
    f.facts.parties.push_back(kim);
    auto r = assess_readiness(f.facts, f.now);
    REQUIRE(r.children[0].therapists.size() == 2);
    REQUIRE_FALSE(r.ready);
    Party ava = make_party("ava", Role::child, "Ava");
    ava.date_of_birth = day("2017-01-01");
    f.facts.parties.push_back(ava);
    f.roi("r1").recipients.push_back(RoiRecipient{RecipientKind::party, "kim", std::nullopt, std::nullopt});
    r = assess_readiness(f.facts, f.now);
    REQUIRE(r.children.size() == 2);
    REQUIRE(r.children[0].ready);
    REQUIRE_FALSE(r.children[1].ready);
    REQUIRE_FALSE(r.ready);
}

TEST_CASE("a case with no child on record is not ready", "[readiness]") {
    Family f;
    f.party(sam).status = PartyStatus::withdrawn;
    const auto r = assess_readiness(f.facts, f.now);
    REQUIRE(r.children.empty());
    REQUIRE_FALSE(r.ready);
    REQUIRE(mentions(r.problems, "No child is on record"));
}
