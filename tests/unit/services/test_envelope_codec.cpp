// The sealed envelope record: what is written is read back, and a signer capacity the service does not know
// is refused rather than read as someone signing for themself.
#include "services/signing/envelope.h"

#include <catch2/catch.hpp>

#include <string>

using namespace kinvault;
using namespace kinvault::services;

namespace {

Envelope two_signers() {
    Envelope e;
    e.id = "env_1";
    e.case_id = "case_1";
    e.state = EnvelopeState::sent;
    EnvelopeSigner parent;
    parent.slot = "parent_a";
    parent.capacity = "parent_with_legal_custody";
    parent.authority = "order_7";
    parent.state = SignerState::completed;
    EnvelopeSigner clinician;
    clinician.slot = "clinician";
    clinician.capacity = "clinician";
    clinician.group = 2;
    e.signers = {parent, clinician};
    return e;
}

} // namespace

TEST_CASE("an envelope record is read back as it was written", "[signing][envelope]") {
    const Envelope e = two_signers();
    auto back = decode_envelope(encode_envelope(e));
    REQUIRE(back.ok());
    CHECK(back->state == EnvelopeState::sent);
    REQUIRE(back->signers.size() == 2);
    CHECK(back->signers[0].capacity == "parent_with_legal_custody");
    CHECK(back->signers[0].state == SignerState::completed);
    CHECK(back->signers[1].group == 2);
}

TEST_CASE("an unrecognised signer capacity is an error, never self", "[signing][envelope]") {
    SECTION("a record naming an unknown capacity does not decode") {
        Envelope e = two_signers();
        e.signers[0].capacity = "friend_of_the_family";
        auto back = decode_envelope(encode_envelope(e));
        REQUIRE_FALSE(back.ok());
        CHECK(back.error().code == Errc::integrity);
    }
    SECTION("an unknown or empty name parses to nothing") {
        CHECK_FALSE(parse_envelope_capacity("friend_of_the_family").has_value());
        CHECK_FALSE(parse_envelope_capacity("").has_value());
    }
    SECTION("the template language's spellings are the same capacities") {
        CHECK(parse_envelope_capacity("parent_with_legal_custody") == EnvelopeCapacity::parent_legal_custody);
        CHECK(parse_envelope_capacity("minor_for_self") == EnvelopeCapacity::minor_self);
    }
}

TEST_CASE("a signer's capacity reads in words, and signing for another needs an authority",
          "[signing][envelope]") {
    CHECK(capacity_words(EnvelopeCapacity::self) == "for themself");
    CHECK(capacity_words(EnvelopeCapacity::parent_legal_custody) == "parent with legal custody");
    CHECK(capacity_words(EnvelopeCapacity::clinician) == "clinician");
    CHECK(signs_for_another(EnvelopeCapacity::guardian));
    CHECK_FALSE(signs_for_another(EnvelopeCapacity::minor_self));
}

TEST_CASE("every envelope state, signer state and capacity has one name that reads back",
          "[signing][envelope]") {
    for (const auto s : {EnvelopeState::draft, EnvelopeState::sent, EnvelopeState::completed,
                         EnvelopeState::declined, EnvelopeState::voided, EnvelopeState::expired}) {
        Envelope e;
        e.state = s;
        CHECK(to_string(s) != "unknown");
        CHECK(decode_envelope(encode_envelope(e))->state == s);
    }
    for (const auto s : {SignerState::waiting, SignerState::notified, SignerState::viewed,
                         SignerState::consented, SignerState::completed, SignerState::declined}) {
        Envelope e;
        e.signers.resize(1);
        e.signers[0].state = s;
        CHECK(to_string(s) != "unknown");
        CHECK(decode_envelope(encode_envelope(e))->signers.at(0).state == s);
    }
    for (const auto c : {EnvelopeCapacity::self, EnvelopeCapacity::parent_legal_custody,
                         EnvelopeCapacity::guardian, EnvelopeCapacity::minor_self,
                         EnvelopeCapacity::clinician, EnvelopeCapacity::counsel, EnvelopeCapacity::witness}) {
        CHECK(parse_envelope_capacity(to_string(c)) == c);
    }
}

TEST_CASE("an envelope record of the wrong shape is damaged, named by the field", "[signing][envelope]") {
    const auto e = decode_envelope(R"({"fields":[{"x":"left"}],"signed_version_hashes":[1]})");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == Errc::integrity);
    CHECK_THAT(e.error().message, Catch::Contains("fields[0].x"));
    CHECK_THAT(e.error().message, Catch::Contains("signed_version_hashes[0]"));
    CHECK(decode_envelope("{\"title\":\"not \xFF UTF-8\"}").error().code == Errc::integrity);
}
