// Existing vaults still open: the sealed-record text the earlier codec wrote (stored_fixtures.h, generated
// from it once and kept as it was) decodes through today's strict reader to the same records, and today's
// writer writes those records byte for byte as they are stored.
#include "stored_fixtures.h"
#include "stored_samples.h"

#include "json/value.h"

#include <catch2/catch.hpp>

using namespace kinvault;
using namespace kinvault::services;

namespace {

// The stored text decodes, and the record it decodes to is written exactly as stored.
template <typename T>
T reads_back(const char* stored, Result<T> (*from)(const json::Value&), std::string (*to)(const T&)) {
    auto back = decode_text<T>(stored, from);
    REQUIRE(back.ok());
    CHECK(to(*back) == stored);
    return std::move(back).value();
}

} // namespace

TEST_CASE("stored consent records written by the earlier codec read back as the same records",
          "[consent][codec][stored]") {
    SECTION("a full ROI, its awkward text intact") {
        const auto roi = reads_back<domain::Roi>(fixtures::k_roi, roi_from_json, roi_to_json);
        CHECK(roi_to_json(samples::roi()) == fixtures::k_roi);
        CHECK(roi.discloser == samples::k_awkward);
        CHECK(roi.signatures.at(0).capacity == domain::SignerCapacity::parent_legal_custody);
        CHECK(roi.recipients.at(1).revoked_at == std::nullopt);
    }
    SECTION("a draft ROI keeps the domain's default decision subjects") {
        const auto roi = reads_back<domain::Roi>(fixtures::k_draft_roi, roi_from_json, roi_to_json);
        CHECK(roi_to_json(samples::draft_roi()) == fixtures::k_draft_roi);
        CHECK(roi.decision_subjects == samples::draft_roi().decision_subjects);
    }
    SECTION("a court order with every kind of term") {
        const auto order = reads_back<domain::CourtOrder>(fixtures::k_order, order_from_json, order_to_json);
        CHECK(order_to_json(samples::order()) == fixtures::k_order);
        CHECK(order.restrictions.at(0).text == samples::k_awkward);
    }
    SECTION("a letter, an agreement, party and document facts, a custody record, the mode history") {
        CHECK(letter_to_json(samples::letter()) == fixtures::k_letter);
        CHECK(reads_back<LetterRecord>(fixtures::k_letter, letter_from_json, letter_to_json)
                  .revision_notes.at(0)
                  .text == samples::k_awkward);
        CHECK(agreement_to_json(samples::agreement()) == fixtures::k_agreement);
        CHECK(reads_back<AgreementRecord>(fixtures::k_agreement, agreement_from_json, agreement_to_json)
                  .agreement.version == 2);
        CHECK(party_facts_to_json(samples::party_facts()) == fixtures::k_party_facts);
        CHECK(reads_back<PartyFacts>(fixtures::k_party_facts, party_facts_from_json, party_facts_to_json)
                  .treats == "sam");
        CHECK(document_facts_to_json(samples::document_facts()) == fixtures::k_document_facts);
        CHECK(reads_back<DocumentFactsRecord>(fixtures::k_document_facts, document_facts_from_json,
                                              document_facts_to_json)
                  .subjects == std::vector<std::string>{"sam", "mary"});
        CHECK(custody_to_json(samples::custody()) == fixtures::k_custody);
        CHECK(reads_back<CustodyRecordEntry>(fixtures::k_custody, custody_from_json, custody_to_json)
                  .record.basis == samples::k_awkward);
        CHECK(mode_history_to_json(samples::mode_history()) == fixtures::k_mode_history);
        CHECK(reads_back<ModeHistoryRecord>(fixtures::k_mode_history, mode_history_from_json,
                                            mode_history_to_json)
                  .changes.size() == 2);
    }
}

TEST_CASE("a stored envelope written by the earlier codec reads back as the same envelope",
          "[signing][envelope][stored]") {
    CHECK(encode_envelope(samples::envelope()) == fixtures::k_envelope);
    auto back = decode_envelope(fixtures::k_envelope);
    REQUIRE(back.ok());
    CHECK(encode_envelope(*back) == fixtures::k_envelope);
    CHECK(back->title == samples::k_awkward);
    CHECK(back->signers.at(0).state == SignerState::completed);
    CHECK(back->signers.at(0).drawn_signature);
    CHECK(back->fields.at(1).placement.kind == pdf::FieldKind::checkbox);
    CHECK(back->fields.at(1).placement.rect.height == 1e-3);
    CHECK(back->fields.at(0).placement.rect.y == 100.5);
}

TEST_CASE("a stored record that is not what the codec wrote is refused, never half read",
          "[consent][codec][stored]") {
    SECTION("a key twice") {
        CHECK_FALSE(
            decode_text<PartyFacts>(R"({"party_id":"lee","party_id":"mary"})", party_facts_from_json).ok());
        CHECK(decode_envelope(R"({"id":"env_1","id":"env_2"})").error().code == Errc::integrity);
    }
    SECTION("a value of the wrong kind, named by its path") {
        const auto r = decode_text<domain::Roi>(R"({"recipients":[{"party":7}]})", roi_from_json);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message,
                   Catch::Contains("recipients[0].party: expected a string, got a number"));
        const auto e = decode_envelope(R"({"signers":[{"group":"two"}]})");
        REQUIRE_FALSE(e.ok());
        CHECK_THAT(e.error().message, Catch::Contains("signers[0].group"));
    }
    SECTION("text that is not UTF-8") {
        CHECK_FALSE(decode_text<PartyFacts>("{\"party_id\":\"l\xC3\x28\"}", party_facts_from_json).ok());
    }
    SECTION("a key a later release added is tolerated at rest") {
        const auto p =
            decode_text<PartyFacts>(R"({"party_id":"lee","pronouns":"they"})", party_facts_from_json);
        REQUIRE(p.ok());
        CHECK(p->party_id == "lee");
    }
}
