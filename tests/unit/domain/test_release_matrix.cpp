// Exhaustive matrix: requester role x document type x ROI state x process mode x order restriction x
// uploader. Whatever the combination, no permit exists without a basis, every permit names a basis that
// really holds for that combination, and every deny hides the document's existence.
#include "family.h"

#include <catch2/catch.hpp>

#include <map>

using namespace kinvault::domain;
using namespace kinvault::domain::test;

namespace {

enum class RoiVariant {
    none,
    draft,
    pending,
    active,
    expired,
    revoked,
    superseded,
    suspended,
    recipient_revoked,
};

constexpr RoiVariant k_roi_variants[] = {
    RoiVariant::none,       RoiVariant::draft,     RoiVariant::pending,
    RoiVariant::active,     RoiVariant::expired,   RoiVariant::revoked,
    RoiVariant::superseded, RoiVariant::suspended, RoiVariant::recipient_revoked,
};

enum class RestrictionVariant { none, bars_requester, bars_someone_else };

enum class DocVariant {
    agreement,
    roi_form,
    court_order,
    letter_draft,
    letter_released,
    report,
    progress_report,
    other,
};

constexpr DocVariant k_doc_variants[] = {
    DocVariant::agreement,       DocVariant::roi_form, DocVariant::court_order,     DocVariant::letter_draft,
    DocVariant::letter_released, DocVariant::report,   DocVariant::progress_report, DocVariant::other,
};

const char* k_stranger = "stranger";

struct Combination {
    std::string requester;
    DocVariant doc{DocVariant::report};
    RoiVariant roi{RoiVariant::none};
    ProcessMode mode{ProcessMode::open};
    RestrictionVariant restriction{RestrictionVariant::none};
    bool own{false};

    [[nodiscard]] std::string describe() const {
        return requester + " doc=" + std::to_string(static_cast<int>(doc)) +
               " roi=" + std::to_string(static_cast<int>(roi)) + " mode=" + std::string(to_string(mode)) +
               " restriction=" + std::to_string(static_cast<int>(restriction)) + (own ? " own" : "");
    }
};

bool is_clinician(const std::string& who) {
    return who == clinician_user;
}

DocumentFacts make_doc(Family& f, const Combination& c) {
    DocumentFacts d;
    switch (c.doc) {
    case DocVariant::agreement:
        d = f.doc(DocType::reunification_agreement, InfoCategory::legal);
        break;
    case DocVariant::roi_form:
        d = f.doc(DocType::roi, InfoCategory::legal);
        break;
    case DocVariant::court_order:
        d = f.doc(DocType::court_order, InfoCategory::legal);
        break;
    case DocVariant::letter_draft:
        d = f.letter(LetterState::draft);
        break;
    case DocVariant::letter_released:
        d = f.letter(LetterState::released);
        break;
    case DocVariant::report:
        d = f.doc(DocType::report, InfoCategory::session_summary);
        break;
    case DocVariant::progress_report:
        d = f.doc(DocType::report, InfoCategory::progress_report);
        break;
    case DocVariant::other:
        d = f.doc(DocType::other, InfoCategory::attendance);
        d.subjects = {father};
        break;
    }
    if (c.own && !is_clinician(c.requester) && c.requester != k_stranger) {
        d.uploader = "u-" + c.requester;
        d.author = c.requester;
        if (d.letter) {
            d.letter->author = c.requester;
        }
    } else if (!d.letter) {
        d.uploader = clinician_user;
        d.author.reset();
    }
    return d;
}

// The ROI names the requester (or Alan when the requester has no party), covers every document type, every
// purpose, and is signed by Mother as joint legal custodian.
void add_roi(Family& f, const Combination& c) {
    if (c.roi == RoiVariant::none) {
        return;
    }
    const PartyId recipient = is_clinician(c.requester) || c.requester == k_stranger ? alan : c.requester;
    auto& r = f.add_roi("r1", recipient);
    r.information.doc_types = {DocType::reunification_agreement, DocType::roi,    DocType::court_order,
                               DocType::clarification_letter,    DocType::report, DocType::other};
    r.purposes = {Purpose::treatment,
                  Purpose::coordination_of_care,
                  Purpose::reunification_therapy,
                  Purpose::legal_proceedings,
                  Purpose::payment,
                  Purpose::at_request_of_individual};
    switch (c.roi) {
    case RoiVariant::none:
    case RoiVariant::active:
        break;
    case RoiVariant::draft:
        r.state = RoiState::draft;
        break;
    case RoiVariant::pending:
        r.state = RoiState::pending_signatures;
        break;
    case RoiVariant::expired:
        r.state = RoiState::expired;
        break;
    case RoiVariant::revoked:
        r.state = RoiState::revoked;
        r.revoked_at = day("2026-02-01");
        break;
    case RoiVariant::superseded:
        r.state = RoiState::superseded;
        break;
    case RoiVariant::suspended:
        r.state = RoiState::suspended;
        break;
    case RoiVariant::recipient_revoked:
        r.recipients[0].revoked_at = day("2026-02-01");
        break;
    }
}

void add_restriction(Family& f, const Combination& c) {
    if (c.restriction == RestrictionVariant::none) {
        return;
    }
    CourtOrder o;
    o.id = "order-r";
    o.case_id = f.facts.id;
    o.effective_at = day("2026-01-01");
    o.status = OrderStatus::active;
    SharingRestriction r;
    if (c.restriction == RestrictionVariant::bars_requester) {
        r.barred_parties = {is_clinician(c.requester) || c.requester == k_stranger ? alan : c.requester};
    } else {
        r.barred_parties = {c.requester == beth ? alan : beth};
    }
    o.restrictions.push_back(r);
    f.facts.orders.push_back(o);
}

ReleaseRequest request_for(const Family& f, const std::string& who) {
    if (is_clinician(who)) {
        return f.as_clinician();
    }
    return f.as(who);
}

bool outside_the_process(const Party* p) {
    return p != nullptr &&
           (p->role == Role::attorney || p->role == Role::minors_counsel || p->role == Role::court);
}

} // namespace

TEST_CASE("no combination of role, document, ROI state, mode and restriction permits without a basis",
          "[release][matrix]") {
    const std::vector<std::string> requesters{clinician_user, mother, father, sam,       lee,
                                              alan,           mia,    judge,  k_stranger};
    std::map<BasisKind, int> permits_by_basis;
    int combinations = 0;

    for (const auto& who : requesters) {
        for (const auto doc_variant : k_doc_variants) {
            for (const auto roi_variant : k_roi_variants) {
                for (const auto mode : {ProcessMode::open, ProcessMode::closed}) {
                    for (const auto restriction :
                         {RestrictionVariant::none, RestrictionVariant::bars_requester,
                          RestrictionVariant::bars_someone_else}) {
                        for (const bool own : {false, true}) {
                            const Combination c{who, doc_variant, roi_variant, mode, restriction, own};
                            Family f(mode);
                            add_roi(f, c);
                            add_restriction(f, c);
                            const auto doc = make_doc(f, c);
                            const auto request = request_for(f, who);
                            const ReleaseContext ctx(f.facts, request);
                            const auto d = ctx.decide(doc);
                            ++combinations;
                            INFO(c.describe() << " -> " << d.rule_code() << ": " << d.reason);

                            // The listing path and the read path agree.
                            REQUIRE(ctx.permits(doc) == d.permitted());
                            REQUIRE_FALSE(d.reason.empty());
                            if (!d.permitted()) {
                                REQUIRE(d.conceal_existence());
                                continue;
                            }
                            ++permits_by_basis[d.basis.kind];
                            REQUIRE(d.basis.kind != BasisKind::none);
                            const Party* me = find_party(f.facts, who);
                            const bool own_doc =
                                doc.uploader == "u-" + who || (doc.author && *doc.author == who);
                            const bool barred = restriction == RestrictionVariant::bars_requester;

                            REQUIRE(who != k_stranger);
                            // Deny overrides permit: only the clinician and a person's own records survive.
                            if (barred) {
                                REQUIRE((d.basis.kind == BasisKind::clinician ||
                                         d.basis.kind == BasisKind::own_record));
                            }
                            switch (d.basis.kind) {
                            case BasisKind::none:
                                FAIL("permit without a basis");
                                break;
                            case BasisKind::clinician:
                                REQUIRE(is_clinician(who));
                                break;
                            case BasisKind::own_record:
                                REQUIRE(own_doc);
                                break;
                            case BasisKind::own_information:
                                FAIL("subject access is off by default");
                                break;
                            case BasisKind::envelope:
                                FAIL("no document of the matrix belongs to an envelope");
                                break;
                            case BasisKind::letter_release:
                                REQUIRE(doc.letter);
                                REQUIRE(letter_is_released(doc.letter->state));
                                REQUIRE(std::find(doc.letter->release_targets.begin(),
                                                  doc.letter->release_targets.end(),
                                                  who) != doc.letter->release_targets.end());
                                break;
                            case BasisKind::court_order:
                                FAIL("no order of the matrix compels a release");
                                break;
                            case BasisKind::agreement:
                                REQUIRE(outside_the_process(me));
                                REQUIRE(d.basis.ids == std::vector<std::string>{"doc-agreement"});
                                REQUIRE((doc.category == InfoCategory::attendance ||
                                         doc.category == InfoCategory::payment ||
                                         (mode == ProcessMode::open &&
                                          doc.category == InfoCategory::progress_report)));
                                break;
                            case BasisKind::roi: {
                                REQUIRE(roi_variant == RoiVariant::active);
                                REQUIRE(d.basis.ids == std::vector<std::string>{"r1"});
                                const Roi* r = find_roi(f.facts, "r1");
                                REQUIRE(r != nullptr);
                                REQUIRE(r->recipients[0].party == who);
                                // Rule 6: no ROI reaches counsel or the court in a closed process.
                                REQUIRE_FALSE((mode == ProcessMode::closed && outside_the_process(me)));
                                // Letters travel under an ROI only once released.
                                if (doc.letter) {
                                    REQUIRE(letter_is_released(doc.letter->state));
                                }
                                break;
                            }
                            }
                        }
                    }
                }
            }
        }
    }
    REQUIRE(combinations == 9 * 8 * 9 * 2 * 3 * 2);
    // The matrix is not vacuous: each basis it can produce does occur.
    REQUIRE(permits_by_basis[BasisKind::clinician] > 0);
    REQUIRE(permits_by_basis[BasisKind::own_record] > 0);
    REQUIRE(permits_by_basis[BasisKind::roi] > 0);
    REQUIRE(permits_by_basis[BasisKind::agreement] > 0);
    REQUIRE(permits_by_basis[BasisKind::letter_release] > 0);
}

TEST_CASE(
    "an unreleased clarification letter reaches nobody but its author and the clinician in any combination",
    "[release][matrix]") {
    for (const auto mode : {ProcessMode::open, ProcessMode::closed}) {
        for (const auto roi_variant : k_roi_variants) {
            for (const auto& who : {mother, sam, lee, alan, beth, mia, judge}) {
                Family f(mode);
                add_roi(f, Combination{who, DocVariant::letter_draft, roi_variant, mode,
                                       RestrictionVariant::none, false});
                for (const auto state :
                     {LetterState::draft, LetterState::submitted, LetterState::revisions_requested,
                      LetterState::revised, LetterState::approved, LetterState::withdrawn}) {
                    const auto d = f.decide(who, f.letter(state));
                    INFO(who << " " << to_string(state) << " " << d.reason);
                    REQUIRE_FALSE(d.permitted());
                }
            }
        }
    }
}
