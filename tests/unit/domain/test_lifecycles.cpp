// State machines of domain.md: ROI, court order, clarification letter, agreement. Each table is checked whole
// (every from x to pair) against the moves the design notes list, then the operations with preconditions.
#include "family.h"

#include <catch2/catch.hpp>

#include <set>
#include <utility>

using namespace kinvault::domain;
using namespace kinvault::domain::test;

namespace {

template <typename E>
std::set<std::pair<E, E>> allowed_pairs(const std::vector<E>& all, bool (*allowed)(E, E)) {
    std::set<std::pair<E, E>> out;
    for (const auto from : all) {
        for (const auto to : all) {
            if (allowed(from, to)) {
                out.insert({from, to});
            }
        }
    }
    return out;
}

Roi pending_roi(Family& f, const PartyId& recipient) {
    Roi r = f.add_roi("r-new", recipient);
    f.facts.rois.pop_back();
    r.signatures.clear();
    r.state = RoiState::pending_signatures;
    r.activated_at.reset();
    return r;
}

RoiSignature custodian_signature(const PartyId& who, const std::string& date) {
    return RoiSignature{who, SignerCapacity::parent_legal_custody,
                        AuthorityRef{AuthorityKind::court_order, custody_order}, day(date), "envelope-9"};
}

} // namespace

// ---- ROI
// ----------------------------------------------------------------------------------------------------

TEST_CASE("the ROI state machine allows exactly the moves of the design notes", "[lifecycle][roi]") {
    using S = RoiState;
    const std::vector<S> all{S::draft,   S::pending_signatures, S::active,   S::expired,
                             S::revoked, S::superseded,         S::suspended};
    const std::set<std::pair<S, S>> expected{
        {S::draft, S::pending_signatures}, {S::pending_signatures, S::active}, {S::active, S::expired},
        {S::active, S::revoked},           {S::active, S::superseded},         {S::active, S::suspended},
        {S::suspended, S::active},         {S::suspended, S::expired},         {S::suspended, S::revoked},
        {S::suspended, S::superseded},
    };
    REQUIRE(allowed_pairs<S>(all, roi_transition_allowed) == expected);
}

TEST_CASE("a complete draft ROI can be sent for signature", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    r.state = RoiState::draft;
    REQUIRE(send_roi_for_signature(r, f.facts, f.now, {}).ok());
    REQUIRE(r.state == RoiState::pending_signatures);
    REQUIRE(r.state_changed_at == f.now);
}

TEST_CASE("a defective draft ROI is not sent and the error names what is missing", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    r.state = RoiState::draft;
    r.purposes.clear();
    r.statements.right_to_copy = false;
    const auto s = send_roi_for_signature(r, f.facts, f.now, {});
    REQUIRE_FALSE(s.ok());
    REQUIRE(s.error().code == kinvault::Errc::invalid_input);
    REQUIRE_THAT(s.error().message, Catch::Contains("purpose") && Catch::Contains("right to a copy"));
    REQUIRE(r.state == RoiState::draft);
}

TEST_CASE("only a draft ROI can be sent for signature", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    const auto s = send_roi_for_signature(r, f.facts, f.now, {});
    REQUIRE(s.error().code == kinvault::Errc::conflict);
}

TEST_CASE("one joint custodian's signature activates an ROI", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    const auto state = record_roi_signature(r, custodian_signature(mother, "2026-02-02"), f.facts, {});
    REQUIRE(state.ok());
    REQUIRE(*state == RoiState::active);
    REQUIRE(r.activated_at == day("2026-02-02"));
}

TEST_CASE("an ROI needing mutual consent activates only at the second custodian's signature",
          "[lifecycle][roi]") {
    Family f;
    f.order(custody_order)
        .mutual_consent.push_back(MutualConsent{{}, {DecisionSubject::mental_health_treatment}});
    Roi r = pending_roi(f, lee);
    REQUIRE(*record_roi_signature(r, custodian_signature(mother, "2026-02-02"), f.facts, {}) ==
            RoiState::pending_signatures);
    REQUIRE(*record_roi_signature(r, custodian_signature(father, "2026-02-03"), f.facts, {}) ==
            RoiState::active);
    REQUIRE(r.activated_at == day("2026-02-03"));
}

TEST_CASE("a parent without legal custody cannot sign an ROI for the child", "[lifecycle][roi]") {
    Family f;
    f.order(custody_order).custody = {CustodyTerms{{}, CustodyKind::sole, {mother}}};
    Roi r = pending_roi(f, lee);
    const auto state = record_roi_signature(r, custodian_signature(father, "2026-02-02"), f.facts, {});
    REQUIRE_FALSE(state.ok());
    REQUIRE(state.error().code == kinvault::Errc::forbidden);
    REQUIRE_THAT(state.error().message, Catch::Contains("sole legal custody"));
    REQUIRE(r.signatures.empty());
}

TEST_CASE("the same signer cannot sign twice", "[lifecycle][roi]") {
    Family f;
    f.order(custody_order)
        .mutual_consent.push_back(MutualConsent{{}, {DecisionSubject::mental_health_treatment}});
    Roi r = pending_roi(f, lee);
    REQUIRE(record_roi_signature(r, custodian_signature(mother, "2026-02-02"), f.facts, {}).ok());
    REQUIRE(record_roi_signature(r, custodian_signature(mother, "2026-02-03"), f.facts, {}).error().code ==
            kinvault::Errc::conflict);
}

TEST_CASE("a signature for a child that names no authority is refused", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    auto sig = custodian_signature(mother, "2026-02-02");
    sig.authority = {};
    const auto state = record_roi_signature(r, sig, f.facts, {});
    REQUIRE(state.error().code == kinvault::Errc::invalid_input);
    REQUIRE_THAT(state.error().message, Catch::Contains("authority"));
}

TEST_CASE("signatures are recorded only while an ROI is pending", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    r.state = RoiState::draft;
    REQUIRE(record_roi_signature(r, custodian_signature(mother, "2026-02-02"), f.facts, {}).error().code ==
            kinvault::Errc::conflict);
}

TEST_CASE("a minor of consenting age signs their own ROI and it activates", "[lifecycle][roi]") {
    Family f;
    f.party(sam).date_of_birth = day("2012-05-05");
    Roi r = pending_roi(f, lee);
    r.minor_consented_services = true;
    const auto state = record_roi_signature(
        r, RoiSignature{sam, SignerCapacity::minor_self, {}, day("2026-02-02"), ""}, f.facts, {});
    REQUIRE(state.ok());
    REQUIRE(*state == RoiState::active);
}

TEST_CASE("revoking the last unrevoked recipient revokes the whole ROI", "[lifecycle][roi]") {
    Family f;
    auto& r = f.add_roi("r1", alan);
    r.recipients.push_back(RoiRecipient{RecipientKind::party, beth, std::nullopt, std::nullopt});
    REQUIRE(revoke_roi(r, Revocation{mother, day("2026-02-20"), alan}, f.facts, {}).ok());
    REQUIRE(r.state == RoiState::active);
    REQUIRE(revoke_roi(r, Revocation{mother, day("2026-02-21"), beth}, f.facts, {}).ok());
    REQUIRE(r.state == RoiState::revoked);
    REQUIRE(r.revoked_at == day("2026-02-21"));
    REQUIRE(r.revoked_by == mother);
}

TEST_CASE("revoking a recipient the ROI does not name is refused", "[lifecycle][roi]") {
    Family f;
    auto& r = f.add_roi("r1", alan);
    REQUIRE(revoke_roi(r, Revocation{mother, f.now, beth}, f.facts, {}).error().code ==
            kinvault::Errc::not_found);
}

TEST_CASE("an ROI that never became active cannot be revoked", "[lifecycle][roi]") {
    Family f;
    Roi r = pending_roi(f, lee);
    REQUIRE(revoke_roi(r, Revocation{mother, f.now, std::nullopt}, f.facts, {}).error().code ==
            kinvault::Errc::conflict);
}

TEST_CASE("a suspended ROI can still be revoked", "[lifecycle][roi]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    REQUIRE(suspend_roi(r, "custody changed", f.now).ok());
    REQUIRE(revoke_roi(r, Revocation{mother, f.now, std::nullopt}, f.facts, {}).ok());
    REQUIRE(r.state == RoiState::revoked);
}

TEST_CASE("a revoked ROI never changes again", "[lifecycle][roi]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    REQUIRE(revoke_roi(r, Revocation{mother, f.now, std::nullopt}, f.facts, {}).ok());
    REQUIRE(suspend_roi(r, "x", f.now).error().code == kinvault::Errc::conflict);
    REQUIRE(reinstate_roi(r, f.facts, f.now, {}).error().code == kinvault::Errc::conflict);
    REQUIRE(r.state == RoiState::revoked);
}

TEST_CASE("an expired suspended ROI cannot be reinstated", "[lifecycle][roi]") {
    Family f;
    auto& r = f.add_roi("r1", lee);
    REQUIRE(suspend_roi(r, "review", f.now).ok());
    REQUIRE(reinstate_roi(r, f.facts, day("2027-02-01"), {}).error().code == kinvault::Errc::conflict);
}

// ---- Court orders
// -------------------------------------------------------------------------------------------

TEST_CASE("the court order state machine allows exactly the moves of the design notes",
          "[lifecycle][order]") {
    using S = OrderStatus;
    const std::vector<S> all{S::received, S::verified, S::active, S::superseded, S::vacated, S::expired};
    const std::set<std::pair<S, S>> expected{
        {S::received, S::verified}, {S::verified, S::active},  {S::verified, S::superseded},
        {S::verified, S::vacated},  {S::verified, S::expired}, {S::active, S::superseded},
        {S::active, S::vacated},    {S::active, S::expired},
    };
    REQUIRE(allowed_pairs<S>(all, order_transition_allowed) == expected);
}

TEST_CASE("verifying an order records who verified it and when", "[lifecycle][order]") {
    CourtOrder o;
    o.id = "o";
    REQUIRE(verify_order(o, clinician_user, day("2026-01-05")).ok());
    REQUIRE(o.status == OrderStatus::verified);
    REQUIRE(o.verified_by == clinician_user);
    REQUIRE(o.verified_at == day("2026-01-05"));
}

TEST_CASE("an order cannot be verified without the verifying clinician or twice", "[lifecycle][order]") {
    CourtOrder o;
    REQUIRE(verify_order(o, "", day("2026-01-05")).error().code == kinvault::Errc::invalid_input);
    REQUIRE(verify_order(o, clinician_user, day("2026-01-05")).ok());
    REQUIRE(verify_order(o, clinician_user, day("2026-01-06")).error().code == kinvault::Errc::conflict);
}

TEST_CASE("only verified or active orders count, from their effective date until they expire",
          "[lifecycle][order]") {
    CourtOrder o;
    o.effective_at = day("2026-01-01");
    o.expires_at = day("2027-01-01");
    REQUIRE_FALSE(order_counts(o, day("2026-06-01")));
    REQUIRE(verify_order(o, clinician_user, day("2025-12-20")).ok());
    REQUIRE_FALSE(order_counts(o, day("2025-12-31")));
    REQUIRE(order_counts(o, day("2026-01-01")));
    o.status = OrderStatus::active;
    REQUIRE(order_counts(o, day("2026-12-31")));
    REQUIRE_FALSE(order_counts(o, day("2027-01-01")));
    o.status = OrderStatus::vacated;
    REQUIRE_FALSE(order_counts(o, day("2026-06-01")));
}

TEST_CASE("the latest order governs custody and a per-area supersession leaves the rest in force",
          "[lifecycle][order]") {
    std::vector<CourtOrder> orders(2);
    orders[0].id = "o1";
    orders[0].status = OrderStatus::verified;
    orders[0].effective_at = day("2025-01-01");
    orders[0].custody.push_back(CustodyTerms{{}, CustodyKind::joint, {mother, father}});
    orders[0].restrictions.push_back(SharingRestriction{{alan}, {}, {}, {}, {}, ""});
    orders[1].id = "o2";
    orders[1].status = OrderStatus::verified;
    orders[1].effective_at = day("2026-01-01");
    orders[1].custody.push_back(CustodyTerms{{}, CustodyKind::sole, {mother}});
    orders[1].supersedes.push_back(Supersession{"o1", {SubjectArea::legal_custody}});
    const auto now = day("2026-02-01");
    CaseFacts facts;
    facts.orders = orders;
    REQUIRE(legal_custody_of(facts, lee, now).source.id == "o2");
    REQUIRE(legal_custody_of(facts, lee, day("2025-06-01")).source.id == "o1");
    const auto sharing = orders_in_force(orders, SubjectArea::information_sharing, now);
    REQUIRE(sharing.size() == 1);
    REQUIRE(sharing[0]->id == "o1");
}

// ---- Clarification letters
// ----------------------------------------------------------------------------------

TEST_CASE("the clarification letter state machine allows exactly the moves of the design notes",
          "[lifecycle][letter]") {
    using S = LetterState;
    const std::vector<S> all{S::draft,    S::submitted, S::revisions_requested,
                             S::revised,  S::approved,  S::released,
                             S::archived, S::withdrawn};
    const std::set<std::pair<S, S>> expected{
        {S::draft, S::submitted},
        {S::draft, S::withdrawn},
        {S::submitted, S::revisions_requested},
        {S::submitted, S::approved},
        {S::submitted, S::withdrawn},
        {S::revisions_requested, S::revised},
        {S::revisions_requested, S::withdrawn},
        {S::revised, S::revisions_requested},
        {S::revised, S::approved},
        {S::revised, S::withdrawn},
        {S::approved, S::released},
        {S::approved, S::withdrawn},
        {S::released, S::archived},
    };
    REQUIRE(allowed_pairs<S>(all, letter_transition_allowed) == expected);
}

TEST_CASE("a letter goes through revisions, approval and release to the child's therapist",
          "[lifecycle][letter]") {
    Family f;
    ClarificationLetter l{father, sam, LetterState::draft, {}, 0, std::nullopt};
    REQUIRE(submit_letter(l, day("2026-01-01")).ok());
    REQUIRE(request_letter_revisions(l, day("2026-01-02")).ok());
    REQUIRE(revise_letter(l, day("2026-01-03")).ok());
    REQUIRE(request_letter_revisions(l, day("2026-01-04")).ok());
    REQUIRE(revise_letter(l, day("2026-01-05")).ok());
    REQUIRE(approve_letter(l, day("2026-01-06")).ok());
    REQUIRE(release_letter(l, {lee, sam}, f.facts, day("2026-01-07")).ok());
    REQUIRE(l.state == LetterState::released);
    REQUIRE(l.release_targets == std::vector<PartyId>{lee, sam});
    REQUIRE(l.released_at == day("2026-01-07"));
}

TEST_CASE("a letter is released only to the child or the child's therapist", "[lifecycle][letter]") {
    Family f;
    ClarificationLetter l{father, sam, LetterState::approved, {}, 0, std::nullopt};
    SECTION("the other parent is refused") {
        REQUIRE(release_letter(l, {mother}, f.facts, f.now).error().code == kinvault::Errc::invalid_input);
    }
    SECTION("an attorney is refused") {
        REQUIRE(release_letter(l, {lee, alan}, f.facts, f.now).error().code == kinvault::Errc::invalid_input);
    }
    SECTION("no target is refused") {
        REQUIRE(release_letter(l, {}, f.facts, f.now).error().code == kinvault::Errc::invalid_input);
    }
    REQUIRE(l.state == LetterState::approved);
}

TEST_CASE("a letter cannot be released before the clinician approves it", "[lifecycle][letter]") {
    Family f;
    ClarificationLetter l{father, sam, LetterState::submitted, {}, 0, std::nullopt};
    REQUIRE(release_letter(l, {lee}, f.facts, f.now).error().code == kinvault::Errc::conflict);
    REQUIRE(approve_letter(l, f.now).ok());
    REQUIRE(release_letter(l, {lee}, f.facts, f.now).ok());
}

// ---- Agreement
// ----------------------------------------------------------------------------------------------

TEST_CASE("the agreement state machine allows exactly the moves of the design notes",
          "[lifecycle][agreement]") {
    using S = AgreementState;
    const std::vector<S> all{S::draft,    S::sent,       S::partially_signed,
                             S::executed, S::superseded, S::terminated};
    const std::set<std::pair<S, S>> expected{
        {S::draft, S::sent},
        {S::draft, S::terminated},
        {S::sent, S::partially_signed},
        {S::sent, S::executed},
        {S::sent, S::terminated},
        {S::partially_signed, S::executed},
        {S::partially_signed, S::terminated},
        {S::executed, S::superseded},
        {S::executed, S::terminated},
    };
    REQUIRE(allowed_pairs<S>(all, agreement_transition_allowed) == expected);
}

TEST_CASE("executing an agreement records when", "[lifecycle][agreement]") {
    Agreement a;
    REQUIRE(transition_agreement(a, AgreementState::sent, day("2026-01-01")).ok());
    REQUIRE(transition_agreement(a, AgreementState::partially_signed, day("2026-01-02")).ok());
    REQUIRE(transition_agreement(a, AgreementState::executed, day("2026-01-03")).ok());
    REQUIRE(a.executed_at == day("2026-01-03"));
    REQUIRE(transition_agreement(a, AgreementState::sent, day("2026-01-04")).error().code ==
            kinvault::Errc::conflict);
}

TEST_CASE("a process mode change is an executed amendment that applies only going forward",
          "[lifecycle][agreement]") {
    Family f(ProcessMode::closed);
    Agreement amendment;
    amendment.document = "doc-amendment";
    amendment.mode = ProcessMode::open;
    amendment.version = 2;
    SECTION("an unexecuted amendment changes nothing") {
        amendment.state = AgreementState::partially_signed;
        REQUIRE(apply_mode_amendment(f.facts, amendment, f.now, f.now).error().code ==
                kinvault::Errc::conflict);
        REQUIRE(f.facts.mode_history.size() == 1);
    }
    SECTION("a backdated change is refused") {
        amendment.state = AgreementState::executed;
        REQUIRE(apply_mode_amendment(f.facts, amendment, day("2026-02-01"), f.now).error().code ==
                kinvault::Errc::invalid_input);
    }
    SECTION("a change to the mode already in force is refused") {
        amendment.state = AgreementState::executed;
        amendment.mode = ProcessMode::closed;
        REQUIRE(apply_mode_amendment(f.facts, amendment, f.now, f.now).error().code ==
                kinvault::Errc::conflict);
    }
    SECTION("an executed amendment switches the mode from its effective date") {
        amendment.state = AgreementState::executed;
        REQUIRE(apply_mode_amendment(f.facts, amendment, day("2026-03-10"), f.now).ok());
        REQUIRE(mode_at(f.facts, day("2026-03-09")) == ProcessMode::closed);
        REQUIRE(mode_at(f.facts, day("2026-03-10")) == ProcessMode::open);
        REQUIRE(f.facts.mode_history.back().amendment == "doc-amendment");
    }
}
