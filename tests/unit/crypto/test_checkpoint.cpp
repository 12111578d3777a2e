#include "common/hex.h"
#include "crypto/checkpoint.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using kinvault::Errc;
using kinvault::crypto::Checkpoint;
using kinvault::crypto::checkpoint_body;
using kinvault::crypto::CheckpointSigner;
using kinvault::crypto::Hash;
using kinvault::crypto::open_checkpoint;
using kinvault::crypto::open_note;
using kinvault::crypto::Secret;

namespace {

// golang.org/x/mod/sumdb/note, note.go package documentation and note_test.go (TestNewVerifier, TestSign,
// TestOpen): a signer key, its verifier key, a text and its signed note, and a second signer's key and
// signature over the same text.
constexpr const char* k_peter_skey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr const char* k_peter_vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* k_enoch_vkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string k_text = "If you think cryptography is the answer to your problem,\n"
                           "then you don't know what your problem is.\n";
const std::string k_peter_sig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string k_enoch_sig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// A real checkpoint of Go's checksum database, retrieved from https://sum.golang.org/latest on 2024-09-23,
// as recorded in sigsum-go's pkg/checkpoint/checkpoint_test.go (TestGoSumDBCheckpoint), and the
// sum.golang.org verifier key from Go's src/cmd/go/internal/modfetch/key.go.
const std::string k_sumdb_checkpoint =
    "go.sum database tree\n"
    "30055305\n"
    "mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n"
    "\n"
    "\xE2\x80\x94 sum.golang.org "
    "Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=\n";
constexpr const char* k_sumdb_vkey = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

Secret peter_seed() {
    // "PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte Ed25519 seed)>"; the base64 may contain '+'.
    const std::string skey = k_peter_skey;
    std::size_t pos = 0;
    for (int field = 0; field < 4; ++field) {
        pos = skey.find('+', pos) + 1;
    }
    const auto material = kinvault::from_base64(skey.substr(pos));
    REQUIRE(material);
    REQUIRE(material->size() == 33);
    REQUIRE((*material)[0] == 0x01);
    return Secret(material->data() + 1, 32);
}

Secret fixed_seed(std::uint8_t fill) {
    std::vector<std::uint8_t> bytes(32, fill);
    return Secret(bytes.data(), bytes.size());
}

Hash some_root() {
    Hash root{};
    for (std::size_t i = 0; i < root.size(); ++i) {
        root[i] = static_cast<std::uint8_t>(i * 7 + 1);
    }
    return root;
}

Checkpoint sample_checkpoint() {
    return Checkpoint{"kinvault.example/audit", 42, some_root(), {}};
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    text.replace(pos, from.size(), to);
    return text;
}

bool rejected_as_integrity(const std::string& note, const std::string& vkey) {
    const auto opened = open_checkpoint(note, vkey);
    return !opened.ok() && opened.error().code == Errc::integrity;
}

} // namespace

TEST_CASE("Signed notes interoperate with golang.org/x/mod/sumdb/note", "[checkpoint]") {
    const auto signer = CheckpointSigner::from_seed(peter_seed(), "PeterNeumann");
    const std::string peter_note = k_text + "\n" + k_peter_sig;

    SECTION("the seed of the published signer key gives the published verifier key") {
        CHECK(signer.verifier_key() == k_peter_vkey);
    }
    SECTION("signing the published text gives the published note byte for byte") {
        CHECK(signer.sign_note(k_text) == peter_note);
    }
    SECTION("the published note opens with the published verifier key") {
        CHECK(open_note(peter_note, k_peter_vkey).value() == k_text);
    }
    SECTION("a note cosigned by a second key opens with either key") {
        const std::string both = k_text + "\n" + k_peter_sig + k_enoch_sig;
        CHECK(open_note(both, k_peter_vkey).value() == k_text);
        CHECK(open_note(both, k_enoch_vkey).value() == k_text);
    }
    SECTION("a corrupted signature from the known key rejects the note") {
        const std::string bad = k_text + "\n" + k_peter_sig.substr(0, 60) + "ABCD" + k_peter_sig.substr(60);
        CHECK(open_note(bad, k_peter_vkey).error().code == Errc::integrity);
    }
    SECTION("a valid signature does not excuse a corrupted one from the same key") {
        const std::string corrupted = k_peter_sig.substr(0, 60) + "ABCD" + k_peter_sig.substr(60);
        CHECK(open_note(k_text + "\n" + k_peter_sig + corrupted, k_peter_vkey).error().code ==
              Errc::integrity);
    }
    SECTION("a signature under another name is ignored, leaving the note unsigned") {
        const std::string misnamed = replace_once(k_peter_sig, "PeterNeumann", "CarmenSandiego");
        const auto opened = open_note(k_text + "\n" + misnamed, k_peter_vkey);
        CHECK(opened.error().code == Errc::integrity);
        CHECK_THAT(opened.error().message, Catch::Contains("no signature by PeterNeumann+c74f20a3"));
    }
    SECTION("the malformed encodings from note_test.go are rejected") {
        const std::vector<std::string> bad = {
            k_text,
            k_text + "\n",
            k_text + "\n" + k_peter_sig.substr(0, k_peter_sig.size() - 1),
            "\x01" + k_text + "\n" + k_peter_sig,
            "\xff" + k_text + "\n" + k_peter_sig,
            k_text + "\n" +
                "\xE2\x80\x94 Bad Name "
                "x08go/ZJkuBS9UG/"
                "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
            k_text + "\n" + k_peter_sig + "Unexpected line.\n",
        };
        for (const auto& note : bad) {
            INFO(note);
            CHECK(open_note(note, k_peter_vkey).error().code == Errc::integrity);
        }
    }
    SECTION("a last signature line without its newline is rejected for that reason") {
        const auto opened =
            open_note(k_text + "\n" + k_peter_sig.substr(0, k_peter_sig.size() - 1), k_peter_vkey);
        CHECK_THAT(opened.error().message, Catch::Contains("does not end in a newline"));
    }
    SECTION("more than 100 signatures are rejected, as in note_test.go") {
        std::string many = k_text + "\n";
        for (int i = 0; i < 101; ++i) {
            many += k_peter_sig;
        }
        CHECK(open_note(many, k_peter_vkey).error().code == Errc::integrity);
    }
}

TEST_CASE("Verifier keys are parsed as strictly as golang.org/x/mod/sumdb/note does", "[checkpoint]") {
    const std::string vkey = k_peter_vkey;
    const std::string note = k_text + "\n" + k_peter_sig;
    const auto rejected = [&](const std::string& key) {
        const auto opened = open_note(note, key);
        return !opened.ok() && opened.error().code == Errc::invalid_input;
    };
    SECTION("every proper substring of a verifier key is rejected") {
        std::vector<std::string> accepted;
        for (std::size_t i = 0; i <= vkey.size(); ++i) {
            for (std::size_t j = i + 1; j <= vkey.size(); ++j) {
                if ((i != 0 || j != vkey.size()) && !rejected(vkey.substr(i, j - i))) {
                    accepted.push_back(vkey.substr(i, j - i));
                }
            }
        }
        CHECK(accepted.empty());
    }
    SECTION("every single-byte change of a verifier key is rejected") {
        for (std::size_t i = 0; i < vkey.size(); ++i) {
            std::string mangled = vkey;
            ++mangled[i];
            INFO(mangled);
            CHECK(rejected(mangled));
        }
    }
    SECTION("a key of the wrong length is rejected even with a matching key id") {
        CHECK(rejected("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="));
    }
    SECTION("an unknown signature algorithm is rejected even with a matching key id") {
        CHECK(rejected("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
    }
}

TEST_CASE("A real sum.golang.org checkpoint opens with Go's published key", "[checkpoint]") {
    SECTION("its origin, size and root are read") {
        const auto checkpoint = open_checkpoint(k_sumdb_checkpoint, k_sumdb_vkey);
        REQUIRE(checkpoint.ok());
        CHECK(checkpoint->origin == "go.sum database tree");
        CHECK(checkpoint->size == 30055305);
        CHECK(kinvault::to_base64(checkpoint->root.data(), checkpoint->root.size()) ==
              "mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=");
        CHECK(checkpoint->extensions.empty());
    }
    SECTION("the same checkpoint with a larger size is rejected") {
        const std::string forged = replace_once(k_sumdb_checkpoint, "30055305", "30055306");
        CHECK(rejected_as_integrity(forged, k_sumdb_vkey));
    }
    SECTION("our body formatting reproduces the signed text") {
        const auto checkpoint = open_checkpoint(k_sumdb_checkpoint, k_sumdb_vkey);
        REQUIRE(checkpoint.ok());
        CHECK(kinvault::crypto::checkpoint_body(*checkpoint) + "\n" ==
              k_sumdb_checkpoint.substr(0, k_sumdb_checkpoint.find("\xE2\x80\x94")));
    }
}

TEST_CASE("Checkpoints round-trip through signing and opening", "[checkpoint]") {
    const auto signer = CheckpointSigner::from_seed(fixed_seed(7), "kinvault.example/audit");

    SECTION("a plain checkpoint comes back unchanged") {
        const Checkpoint checkpoint = sample_checkpoint();
        CHECK(open_checkpoint(signer.sign(checkpoint), signer.verifier_key()).value() == checkpoint);
    }
    SECTION("extension lines come back in order") {
        const Checkpoint checkpoint{"kinvault.example/audit", 3, some_root(), {"ext one", "ext-two"}};
        CHECK(open_checkpoint(signer.sign(checkpoint), signer.verifier_key()).value() == checkpoint);
    }
    SECTION("the empty tree and the largest size come back unchanged") {
        const Checkpoint empty{"kinvault.example/audit", 0, Hash{}, {}};
        const Checkpoint largest{"kinvault.example/audit", UINT64_MAX, some_root(), {}};
        CHECK(open_checkpoint(signer.sign(empty), signer.verifier_key()).value() == empty);
        CHECK(open_checkpoint(signer.sign(largest), signer.verifier_key()).value() == largest);
    }
    SECTION("the note is the C2SP text: body, blank line, one signature line under the key name") {
        const std::string note = signer.sign(sample_checkpoint());
        const std::string body = "kinvault.example/audit\n42\n" +
                                 kinvault::to_base64(some_root().data(), some_root().size()) + "\n";
        CHECK(kinvault::crypto::checkpoint_body(sample_checkpoint()) == body);
        CHECK(note.rfind(body + "\n\xE2\x80\x94 kinvault.example/audit ", 0) == 0);
        CHECK(note.back() == '\n');
    }
    SECTION("the key id in the verifier key is the first four bytes of the signature") {
        const std::string note = signer.sign(sample_checkpoint());
        const std::string sig64 = note.substr(note.rfind(' ') + 1, note.size() - note.rfind(' ') - 2);
        const auto sig = kinvault::from_base64(sig64);
        REQUIRE(sig);
        CHECK(sig->size() == 68);
        const std::string vkey = signer.verifier_key();
        CHECK(kinvault::to_hex(sig->data(), 4) == vkey.substr(vkey.find('+') + 1, 8));
    }
}

TEST_CASE("Checkpoint signers are deterministic from their seed", "[checkpoint]") {
    SECTION("the same seed and name give the same verifier key and the same signature") {
        const auto a = CheckpointSigner::from_seed(fixed_seed(9), "log.example");
        const auto b = CheckpointSigner::from_seed(fixed_seed(9), "log.example");
        CHECK(a.verifier_key() == b.verifier_key());
        CHECK(a.sign(sample_checkpoint()) == b.sign(sample_checkpoint()));
    }
    SECTION("the seed comes back out to be persisted") {
        const auto signer = CheckpointSigner::from_seed(fixed_seed(9), "log.example");
        CHECK(signer.seed().equals(fixed_seed(9)));
        CHECK(signer.key_name() == "log.example");
    }
    SECTION("a generated signer restored from its seed is the same key") {
        const auto generated = CheckpointSigner::generate("log.example");
        const auto restored = CheckpointSigner::from_seed(generated.seed(), "log.example");
        CHECK(restored.verifier_key() == generated.verifier_key());
    }
    SECTION("two generated signers are different keys") {
        CHECK(CheckpointSigner::generate("log.example").verifier_key() !=
              CheckpointSigner::generate("log.example").verifier_key());
    }
    SECTION("a seed that is not 32 bytes or a name the note format forbids is a programming error") {
        CHECK_THROWS_AS(CheckpointSigner::from_seed(Secret::random(31), "log.example"),
                        std::invalid_argument);
        CHECK_THROWS_AS(CheckpointSigner::from_seed(fixed_seed(1), ""), std::invalid_argument);
        CHECK_THROWS_AS(CheckpointSigner::from_seed(fixed_seed(1), "log example"), std::invalid_argument);
        CHECK_THROWS_AS(CheckpointSigner::from_seed(fixed_seed(1), "log+example"), std::invalid_argument);
        CHECK_THROWS_AS(CheckpointSigner::from_seed(fixed_seed(1), "log\xC2\xA0nbsp"), std::invalid_argument);
    }
    SECTION("a checkpoint that cannot be written as a note is a programming error") {
        const auto signer = CheckpointSigner::from_seed(fixed_seed(1), "log.example");
        CHECK_THROWS_AS(signer.sign(Checkpoint{"", 1, Hash{}, {}}), std::invalid_argument);
        CHECK_THROWS_AS(signer.sign(Checkpoint{"a\nb", 1, Hash{}, {}}), std::invalid_argument);
        CHECK_THROWS_AS(signer.sign(Checkpoint{"a", 1, Hash{}, {""}}), std::invalid_argument);
        CHECK_THROWS_AS(signer.sign(Checkpoint{"a\tb", 1, Hash{}, {}}), std::invalid_argument);
    }
}

TEST_CASE("Tampered or foreign checkpoints are rejected", "[checkpoint]") {
    const auto signer = CheckpointSigner::from_seed(fixed_seed(3), "kinvault.example/audit");
    const std::string vkey = signer.verifier_key();
    const Checkpoint checkpoint{"kinvault.example/audit", 1234, some_root(), {"ext"}};
    const std::string note = signer.sign(checkpoint);
    const std::string root64 = kinvault::to_base64(some_root().data(), some_root().size());

    SECTION("a changed size is rejected") {
        CHECK(rejected_as_integrity(replace_once(note, "\n1234\n", "\n1235\n"), vkey));
    }
    SECTION("a changed root is rejected") {
        Hash other = some_root();
        other[31] ^= 1;
        CHECK(rejected_as_integrity(
            replace_once(note, root64, kinvault::to_base64(other.data(), other.size())), vkey));
    }
    SECTION("a changed origin is rejected") {
        CHECK(rejected_as_integrity(
            replace_once(note, "kinvault.example/audit\n", "kinvault.example/other\n"), vkey));
    }
    SECTION("a removed or added extension line is rejected") {
        CHECK(rejected_as_integrity(replace_once(note, "ext\n", ""), vkey));
        CHECK(rejected_as_integrity(replace_once(note, "ext\n", "ext\nmore\n"), vkey));
    }
    SECTION("a note signed by a different key under the same name is rejected") {
        const auto impostor = CheckpointSigner::from_seed(fixed_seed(4), "kinvault.example/audit");
        const auto opened = open_checkpoint(impostor.sign(checkpoint), vkey);
        CHECK(opened.error().code == Errc::integrity);
        CHECK_THAT(opened.error().message, Catch::Contains("no signature by kinvault.example/audit+"));
    }
    SECTION("a note signed by another key name is rejected") {
        const auto other = CheckpointSigner::from_seed(fixed_seed(3), "other.example/log");
        CHECK(rejected_as_integrity(other.sign(checkpoint), vkey));
    }
    SECTION("a cosignature by another key does not stop ours from verifying") {
        const auto witness = CheckpointSigner::from_seed(fixed_seed(5), "witness.example");
        const std::string witnessed = witness.sign(checkpoint);
        const std::string cosigned = note + witnessed.substr(witnessed.rfind("\xE2\x80\x94"));
        CHECK(open_checkpoint(cosigned, vkey).value() == checkpoint);
        CHECK(open_checkpoint(cosigned, witness.verifier_key()).value() == checkpoint);
    }
    SECTION("every truncation of the note is rejected") {
        std::vector<std::size_t> accepted;
        for (std::size_t n = 0; n < note.size(); ++n) {
            if (!rejected_as_integrity(note.substr(0, n), vkey)) {
                accepted.push_back(n);
            }
        }
        CHECK(accepted.empty());
    }
    SECTION("a truncated signature is rejected") {
        const std::size_t sig_start = note.rfind(' ') + 1;
        CHECK(rejected_as_integrity(note.substr(0, sig_start + 40) + "\n", vkey));
        CHECK(rejected_as_integrity(note.substr(0, sig_start + 8) + "\n", vkey));
    }
    SECTION("every single-bit flip anywhere in the note is rejected") {
        std::vector<std::string> accepted;
        for (std::size_t i = 0; i < note.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                std::string flipped = note;
                flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
                if (!rejected_as_integrity(flipped, vkey)) {
                    accepted.push_back("byte " + std::to_string(i) + " bit " + std::to_string(bit));
                }
            }
        }
        INFO(accepted.size() << " flips accepted");
        CHECK(accepted.empty());
    }
    SECTION("a validly signed note over 64 KiB is rejected") {
        const std::string huge =
            signer.sign_note(checkpoint_body(checkpoint) + std::string(64 * 1024, 'x') + "\n");
        CHECK(rejected_as_integrity(huge, vkey));
    }
    SECTION("garbage is rejected") {
        const std::vector<std::string> garbage = {
            "",
            "\n",
            "\n\n",
            "\n\n\xE2\x80\x94 kinvault.example/audit AAAA\n",
            std::string(200, '\0'),
            "not a note at all",
            replace_once(note, "\n\n", "\r\n\r\n"),
            note + note,
            std::string(70 * 1024, 'a') + "\n\n" + note.substr(note.rfind("\xE2\x80\x94")),
        };
        for (const auto& text : garbage) {
            INFO(text.substr(0, 80));
            CHECK(rejected_as_integrity(text, vkey));
        }
    }
}

TEST_CASE("Checkpoint bodies must be canonical even when validly signed", "[checkpoint]") {
    const auto signer = CheckpointSigner::from_seed(fixed_seed(11), "log.example");
    const std::string vkey = signer.verifier_key();
    const std::string root64 = kinvault::to_base64(some_root().data(), some_root().size());
    const auto signed_body = [&](const std::string& size_line, const std::string& root_line,
                                 const std::string& rest = "") {
        return signer.sign_note("log.example\n" + size_line + "\n" + root_line + "\n" + rest);
    };

    SECTION("a well-formed body opens, as a control") {
        CHECK(open_checkpoint(signed_body("5", root64), vkey).ok());
        CHECK(open_checkpoint(signed_body("0", root64), vkey).ok());
    }
    SECTION("sizes that are not canonical decimal are rejected") {
        for (const std::string size : {"05", "00", "+5", "-1", " 5", "5 ", "0x10", "1e3", "",
                                       "18446744073709551616", "99999999999999999999", "\xEF\xBC\x95"}) {
            INFO("size line '" << size << "'");
            CHECK(rejected_as_integrity(signed_body(size, root64), vkey));
        }
    }
    SECTION("roots that are not canonical base64 of 32 bytes are rejected") {
        std::string non_canonical = root64;
        non_canonical[42] = static_cast<char>(non_canonical[42] + 1); // nonzero padding bits
        for (const std::string& root : std::vector<std::string>{
                 root64.substr(0, 43), root64.substr(0, 40) + "====", non_canonical,
                 kinvault::to_base64(some_root().data(), 31),
                 kinvault::to_base64(std::vector<std::uint8_t>(33, 1)),
                 kinvault::to_base64url(some_root().data(), some_root().size()), std::string("")}) {
            INFO("root line '" << root << "'");
            CHECK(rejected_as_integrity(signed_body("5", root), vkey));
        }
    }
    SECTION("fewer than three lines or an empty line are rejected") {
        CHECK(rejected_as_integrity(signer.sign_note("log.example\n5\n"), vkey));
        CHECK(rejected_as_integrity(signed_body("5", root64, "ext\n\n"), vkey));
        CHECK(rejected_as_integrity(signer.sign_note("\n5\n" + root64 + "\n"), vkey));
    }
}
