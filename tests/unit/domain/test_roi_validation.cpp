// ROI validation names every missing element (45 CFR 164.508(c), CA Civil Code 56.11, 42 CFR 2.31).
#include "family.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace kinvault::domain;
using namespace kinvault::domain::test;

namespace {

std::set<RoiDefectCode> codes(const std::vector<RoiDefect>& defects) {
    std::set<RoiDefectCode> out;
    for (const auto& d : defects) {
        out.insert(d.code);
    }
    return out;
}

Roi complete_roi(Family& f) {
    Roi r = f.add_roi("r1", lee);
    f.facts.rois.pop_back();
    return r;
}

// Exactly one defect, with this code.
void require_only(const Roi& r, const Family& f, RoiDefectCode code, const Policy& policy = {}) {
    const auto defects = validate_roi(r, f.facts, policy);
    INFO(describe_defects(defects));
    REQUIRE(defects.size() == 1);
    REQUIRE(to_string(defects[0].code) == to_string(code));
    REQUIRE_FALSE(defects[0].message.empty());
    REQUIRE_FALSE(defects[0].field.empty());
}

} // namespace

TEST_CASE("a complete ROI has no defects", "[roi][validation]") {
    Family f;
    REQUIRE(validate_roi(complete_roi(f), f.facts, {}).empty());
}

TEST_CASE("an empty ROI names every missing element at once", "[roi][validation]") {
    Family f;
    Roi empty;
    empty.decision_subjects.clear();
    const auto defects = validate_roi(empty, f.facts, {});
    const std::set<RoiDefectCode> expected{
        RoiDefectCode::document_missing,
        RoiDefectCode::subject_missing,
        RoiDefectCode::discloser_missing,
        RoiDefectCode::recipients_missing,
        RoiDefectCode::information_missing,
        RoiDefectCode::information_description_missing,
        RoiDefectCode::purposes_missing,
        RoiDefectCode::expiry_missing,
        RoiDefectCode::statement_right_to_revoke_missing,
        RoiDefectCode::statement_conditioning_missing,
        RoiDefectCode::statement_redisclosure_missing,
        RoiDefectCode::statement_right_to_copy_missing,
        RoiDefectCode::template_version_missing,
        RoiDefectCode::document_hash_invalid,
    };
    REQUIRE(codes(defects) == expected);
    REQUIRE(defects.size() == expected.size());
    const auto text = describe_defects(defects);
    for (const auto& d : defects) {
        REQUIRE_THAT(text, Catch::Contains(d.message));
    }
}

TEST_CASE("each missing element of an ROI is named on its own", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    SECTION("the linked document") {
        r.document.clear();
        require_only(r, f, RoiDefectCode::document_missing);
    }
    SECTION("the subject") {
        r.subject.clear();
        require_only(r, f, RoiDefectCode::subject_missing);
    }
    SECTION("a subject who is not a party") {
        r.subject = "nobody";
        require_only(r, f, RoiDefectCode::subject_unknown);
    }
    SECTION("the discloser") {
        r.discloser.clear();
        require_only(r, f, RoiDefectCode::discloser_missing);
    }
    SECTION("the recipients") {
        r.recipients.clear();
        require_only(r, f, RoiDefectCode::recipients_missing);
    }
    SECTION("a recipient who is not a party") {
        r.recipients.push_back(RoiRecipient{RecipientKind::party, "nobody", std::nullopt, std::nullopt});
        require_only(r, f, RoiDefectCode::recipient_unknown);
    }
    SECTION("a \"therapist of\" recipient who is not a child") {
        r.recipients.push_back(RoiRecipient{RecipientKind::therapist_of, mother, std::nullopt, std::nullopt});
        require_only(r, f, RoiDefectCode::recipient_unknown);
    }
    SECTION("the information covered") {
        r.information.doc_types.clear();
        require_only(r, f, RoiDefectCode::information_missing);
    }
    SECTION("the description of the information in words") {
        r.information.description.clear();
        require_only(r, f, RoiDefectCode::information_description_missing);
    }
    SECTION("a date range that ends before it starts") {
        r.information.from = day("2026-02-01");
        r.information.until = day("2026-01-01");
        require_only(r, f, RoiDefectCode::date_range_inverted);
    }
    SECTION("the purposes") {
        r.purposes.clear();
        require_only(r, f, RoiDefectCode::purposes_missing);
    }
    SECTION("the expiry") {
        r.expiry = {};
        require_only(r, f, RoiDefectCode::expiry_missing);
    }
    SECTION("the right to revoke") {
        r.statements.right_to_revoke = false;
        require_only(r, f, RoiDefectCode::statement_right_to_revoke_missing);
    }
    SECTION("whether treatment is conditioned on signing") {
        r.statements.treatment_not_conditioned = false;
        require_only(r, f, RoiDefectCode::statement_conditioning_missing);
    }
    SECTION("the redisclosure statement") {
        r.statements.redisclosure = false;
        require_only(r, f, RoiDefectCode::statement_redisclosure_missing);
    }
    SECTION("the right to a copy") {
        r.statements.right_to_copy = false;
        require_only(r, f, RoiDefectCode::statement_right_to_copy_missing);
    }
    SECTION("the template version") {
        r.template_version.clear();
        require_only(r, f, RoiDefectCode::template_version_missing);
    }
    SECTION("a document hash that is not SHA-256 hex") {
        r.document_sha256 = std::string(64, 'G');
        require_only(r, f, RoiDefectCode::document_hash_invalid);
    }
    SECTION("a document hash in upper case") {
        r.document_sha256 = std::string(64, 'A');
        require_only(r, f, RoiDefectCode::document_hash_invalid);
    }
}

TEST_CASE("an ROI with only an expiry event lacks the date California requires", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.expiry.date.reset();
    r.expiry.event = ExpiryEvent::case_closed;
    require_only(r, f, RoiDefectCode::expiry_date_missing);
    Policy hipaa_only;
    hipaa_only.require_expiry_date = false;
    REQUIRE(validate_roi(r, f.facts, hipaa_only).empty());
}

TEST_CASE("an ROI whose expiry event is \"other\" must describe it", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.expiry.event = ExpiryEvent::other;
    require_only(r, f, RoiDefectCode::expiry_event_undescribed);
    r.expiry.event_description = "end of the custody evaluation";
    REQUIRE(validate_roi(r, f.facts, {}).empty());
}

TEST_CASE("an ROI that would expire before it starts is defective", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.valid_from = day("2027-02-01");
    require_only(r, f, RoiDefectCode::expiry_before_start);
}

TEST_CASE("psychotherapy notes on a general ROI are a defect", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.information.sensitivity = {Sensitivity::psychotherapy_notes};
    require_only(r, f, RoiDefectCode::psychotherapy_notes_on_general_roi);
}

TEST_CASE("a psychotherapy-notes ROI must cover notes and nothing combined with them", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.kind = RoiKind::psychotherapy_notes;
    SECTION("it must say it covers notes") {
        require_only(r, f, RoiDefectCode::psychotherapy_roi_without_notes);
    }
    SECTION("it may not also carry substance use information") {
        r.information.sensitivity = {Sensitivity::psychotherapy_notes, Sensitivity::substance_use};
        r.information.substance_use_description = "SUD treatment";
        require_only(r, f, RoiDefectCode::psychotherapy_roi_combined);
    }
    SECTION("notes alone are fine and need no document types") {
        r.information.sensitivity = {Sensitivity::psychotherapy_notes};
        r.information.doc_types.clear();
        REQUIRE(validate_roi(r, f.facts, {}).empty());
    }
}

TEST_CASE("substance use information must be described explicitly", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.information.sensitivity = {Sensitivity::substance_use};
    require_only(r, f, RoiDefectCode::substance_use_not_described);
}

TEST_CASE("only a child's own services can be marked minor-consented", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    r.subject = mother;
    r.signatures = {RoiSignature{mother, SignerCapacity::self, {}, day("2026-01-10"), ""}};
    r.minor_consented_services = true;
    require_only(r, f, RoiDefectCode::minor_consent_subject_not_child);
}

TEST_CASE("each defective signature is named", "[roi][validation]") {
    Family f;
    Roi r = complete_roi(f);
    SECTION("a signer who is not a party") {
        r.signatures[0].signer = "nobody";
        require_only(r, f, RoiDefectCode::signer_unknown);
    }
    SECTION("signing for oneself while not the subject") {
        r.signatures[0].capacity = SignerCapacity::self;
        r.signatures[0].authority = {};
        require_only(r, f, RoiDefectCode::signer_capacity_mismatch);
    }
    SECTION("signing as a parent while not a parent") {
        r.signatures[0].signer = alan;
        require_only(r, f, RoiDefectCode::signer_capacity_mismatch);
    }
    SECTION("signing for the child without naming the authority relied on") {
        r.signatures[0].authority = {};
        require_only(r, f, RoiDefectCode::signer_authority_missing);
    }
    SECTION("an undated signature") {
        r.signatures[0].signed_at = 0;
        require_only(r, f, RoiDefectCode::signature_undated);
    }
    SECTION("a minor signing for themselves when the subject is an adult") {
        r.subject = mother;
        r.signatures = {RoiSignature{mother, SignerCapacity::minor_self, {}, day("2026-01-10"), ""}};
        require_only(r, f, RoiDefectCode::signer_capacity_mismatch);
    }
}
