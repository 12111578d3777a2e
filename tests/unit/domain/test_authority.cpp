// Rule 5 (who may authorise for a child), rule 7 (who may revoke), rule 8 (custody changes) and the calendar
// arithmetic behind rule 10.
#include "family.h"

#include <catch2/catch.hpp>

#include <array>

using namespace kinvault::domain;
using namespace kinvault::domain::test;

namespace {

constexpr std::array<DecisionSubject, 1> k_release{DecisionSubject::release_of_information};

std::vector<PartyId> signer_ids(const AuthorisationRequirement& r) {
    std::vector<PartyId> out;
    for (const auto& s : r.signers) {
        out.push_back(s.party);
    }
    return out;
}

} // namespace

TEST_CASE("legal custody comes from the governing court order", "[authority]") {
    Family f;
    const auto c = legal_custody_of(f.facts, sam, f.now);
    REQUIRE(c.known);
    REQUIRE(c.kind == CustodyKind::joint);
    REQUIRE(c.holders == std::vector<PartyId>{mother, father});
    REQUIRE(c.source.kind == AuthorityKind::court_order);
    REQUIRE(c.source.id == custody_order);
}

TEST_CASE("a custody order counts only from its effective date", "[authority]") {
    Family f;
    REQUIRE_FALSE(legal_custody_of(f.facts, sam, day("2025-05-31")).known);
    REQUIRE(legal_custody_of(f.facts, sam, day("2025-06-01")).known);
}

TEST_CASE("a custody order wins over a custody record", "[authority]") {
    Family f;
    f.facts.custody_records.push_back(
        CustodyRecord{"cr-1", sam, CustodyKind::sole, {father}, day("2025-01-05"), true, "declaration"});
    REQUIRE(legal_custody_of(f.facts, sam, f.now).source.id == custody_order);
    f.order(custody_order).status = OrderStatus::vacated;
    const auto c = legal_custody_of(f.facts, sam, f.now);
    REQUIRE(c.source.kind == AuthorityKind::custody_record);
    REQUIRE(c.holders == std::vector<PartyId>{father});
}

TEST_CASE("custody terms for another child do not apply", "[authority]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{"someone-else"}, CustodyKind::sole, {mother}}};
    REQUIRE_FALSE(legal_custody_of(f.facts, sam, f.now).known);
}

TEST_CASE("sole legal custody requires that custodian", "[authority]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    const auto r = required_authorisers(f.facts, sam, k_release, false, f.now, {});
    REQUIRE(r.satisfiable);
    REQUIRE(signer_ids(r) == std::vector<PartyId>{mother});
    REQUIRE(r.signers[0].capacity == SignerCapacity::parent_legal_custody);
}

TEST_CASE("joint legal custody requires either custodian", "[authority]") {
    Family f;
    const auto r = required_authorisers(f.facts, sam, k_release, false, f.now, {});
    REQUIRE(r.mode == RequirementMode::any_of);
    REQUIRE(signer_ids(r) == std::vector<PartyId>{mother, father});
    REQUIRE_THAT(r.explanation, Catch::Contains("either alone can sign"));
}

TEST_CASE("joint legal custody with mutual consent for the subject requires both custodians", "[authority]") {
    Family f;
    f.order(custody_order)
        .mutual_consent.push_back(MutualConsent{{}, {DecisionSubject::release_of_information}});
    const auto r = required_authorisers(f.facts, sam, k_release, false, f.now, {});
    REQUIRE(r.mode == RequirementMode::all_of);
    REQUIRE_THAT(r.explanation, Catch::Contains("both must sign"));
}

TEST_CASE("a legal custodian who is not a parent signs as guardian", "[authority]") {
    Family f;
    // Kinvault has no guardian role yet: any legal custodian whose role is not parent is a guardian.
    f.facts.parties.push_back(make_party("gran", Role::child_therapist, "Grandmother"));
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {"gran"}}};
    const auto r = required_authorisers(f.facts, sam, k_release, false, f.now, {});
    REQUIRE(r.signers[0].capacity == SignerCapacity::guardian);
}

TEST_CASE("an adult authorises for themselves", "[authority]") {
    Family f;
    const auto r = required_authorisers(f.facts, mother, k_release, false, f.now, {});
    REQUIRE(signer_ids(r) == std::vector<PartyId>{mother});
    REQUIRE(r.signers[0].capacity == SignerCapacity::self);
}

TEST_CASE("a child who has turned 18 authorises for themselves", "[authority]") {
    Family f;
    const auto r = required_authorisers(f.facts, sam, k_release, false, day("2033-09-15"), {});
    REQUIRE(signer_ids(r) == std::vector<PartyId>{sam});
    REQUIRE(r.signers[0].capacity == SignerCapacity::self);
}

TEST_CASE("only the minor authorises release about services they consented to", "[authority]") {
    Family f;
    f.party(sam).date_of_birth = day("2014-03-01"); // 12 on 2026-03-01
    const auto r = required_authorisers(f.facts, sam, k_release, true, f.now, {});
    REQUIRE(r.satisfiable);
    REQUIRE(signer_ids(r) == std::vector<PartyId>{sam});
    REQUIRE(r.signers[0].capacity == SignerCapacity::minor_self);
}

TEST_CASE(
    "nobody can authorise a minor's self-consented services below the consent age or without a birth date",
    "[authority]") {
    Family f;
    SECTION("under the age") {
        f.party(sam).date_of_birth = day("2014-03-02"); // 11 on 2026-03-01
        const auto r = required_authorisers(f.facts, sam, k_release, true, f.now, {});
        REQUIRE_FALSE(r.satisfiable);
        REQUIRE_THAT(r.explanation, Catch::Contains("under 12"));
    }
    SECTION("no date of birth") {
        f.party(sam).date_of_birth.reset();
        const auto r = required_authorisers(f.facts, sam, k_release, true, f.now, {});
        REQUIRE_FALSE(r.satisfiable);
        REQUIRE_THAT(r.explanation, Catch::Contains("date of birth is not on record"));
    }
}

TEST_CASE("without any custody information nobody can authorise for a child", "[authority]") {
    Family f;
    f.facts.orders.clear();
    const auto r = required_authorisers(f.facts, sam, k_release, false, f.now, {});
    REQUIRE_FALSE(r.satisfiable);
    REQUIRE(r.signers.empty());
}

TEST_CASE("a signature made after the moment asked about does not count", "[authority]") {
    Family f;
    auto& roi = f.add_roi("r1", lee);
    REQUIRE_FALSE(check_authorisation(roi, f.facts, day("2026-01-09"), {}).satisfied);
    REQUIRE(check_authorisation(roi, f.facts, day("2026-01-10"), {}).satisfied);
}

TEST_CASE("a signature by someone who never held custody is not a lost authority", "[authority]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    auto& roi = f.add_roi("r1", lee);
    roi.signatures[0].signer = father;
    const auto check = check_authorisation(roi, f.facts, f.now, {});
    REQUIRE_FALSE(check.satisfied);
    REQUIRE(check.lost_authority.empty());
    REQUIRE(check.missing == std::vector<PartyId>{mother});
}

TEST_CASE("who may revoke an ROI", "[authority][rule7]") {
    Family f;
    auto& roi = f.add_roi("r1", alan);
    SECTION("the signer") {
        REQUIRE(may_revoke(roi, mother, f.facts, f.now, {}).ok());
    }
    SECTION("the other joint custodian") {
        REQUIRE(may_revoke(roi, father, f.facts, f.now, {}).ok());
    }
    SECTION("not the recipient attorney") {
        REQUIRE(may_revoke(roi, alan, f.facts, f.now, {}).error().code == kinvault::Errc::forbidden);
    }
    SECTION("not the minor child") {
        REQUIRE_FALSE(may_revoke(roi, sam, f.facts, f.now, {}).ok());
    }
    SECTION("the child once an adult") {
        REQUIRE(may_revoke(roi, sam, f.facts, day("2033-09-15"), {}).ok());
    }
    SECTION("not a party that has left the case") {
        f.party(mother).status = PartyStatus::withdrawn;
        REQUIRE_FALSE(may_revoke(roi, mother, f.facts, f.now, {}).ok());
    }
}

TEST_CASE("only active ROIs are listed for review after a custody change", "[authority][rule8]") {
    Family f;
    f.add_roi("r1", lee).signatures[0].signer = father;
    f.add_roi("r2", alan).signatures[0].signer = father;
    f.roi("r2").state = RoiState::revoked;
    auto o = CourtOrder{};
    o.id = "order-2";
    o.status = OrderStatus::verified;
    o.effective_at = day("2026-02-15");
    o.custody.push_back(CustodyTerms{{}, CustodyKind::sole, {mother}});
    f.facts.orders.push_back(o);
    const auto review = rois_needing_review(f.facts, f.now, {});
    REQUIRE(review.size() == 1);
    REQUIRE(review[0].roi == "r1");
    REQUIRE(rois_needing_review(f.facts, day("2026-02-14"), {}).empty());
}

TEST_CASE("a person comes of age on the first day of their birthday", "[authority][party]") {
    // CA Family Code 6500: counted from the first minute of the birthday.
    REQUIRE(day_reaching_age(day("2015-09-15"), 18) == day("2033-09-15"));
    REQUIRE(day_reaching_age(day("2015-09-15") + 3600 * 15, 18) == day("2033-09-15"));
    Party child = make_party(sam, Role::child, "Sam");
    child.date_of_birth = day("2015-09-15");
    REQUIRE(age_at(child, day("2033-09-14") + 86399) == 17);
    REQUIRE(age_at(child, day("2033-09-15")) == 18);
    REQUIRE(age_at(child, day("2026-03-01")) == 10);
}

TEST_CASE("a 29 February birthday is reached on 1 March in common years", "[authority][party]") {
    REQUIRE(day_reaching_age(day("2008-02-29"), 18) == day("2026-03-01"));
    REQUIRE(day_reaching_age(day("2008-02-29"), 16) == day("2024-02-29"));
    Party child = make_party(sam, Role::child, "Sam");
    child.date_of_birth = day("2008-02-29");
    REQUIRE(age_at(child, day("2026-02-28")) == 17);
    REQUIRE(age_at(child, day("2026-03-01")) == 18);
}

TEST_CASE("a child with no date of birth is treated as a minor and parents are adults",
          "[authority][party]") {
    Party child = make_party(sam, Role::child, "Sam");
    REQUIRE_FALSE(age_at(child, day("2026-03-01")));
    REQUIRE_FALSE(is_adult(child, day("2060-01-01"), {}));
    REQUIRE(is_adult(make_party(mother, Role::parent, "Mary"), day("2026-03-01"), {}));
}

TEST_CASE("the age of majority is a policy setting", "[authority][party]") {
    Party child = make_party(sam, Role::child, "Sam");
    child.date_of_birth = day("2015-09-15");
    Policy nineteen;
    nineteen.age_of_majority = 19;
    REQUIRE(is_adult(child, day("2033-09-15"), {}));
    REQUIRE_FALSE(is_adult(child, day("2033-09-15"), nineteen));
}
