#include "fixture.h"

#include "crypto/blob_mac.h"
#include "crypto/sha256.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <filesystem>
#include <fstream>

using namespace kvunit;

namespace {

std::string pdf_text(const std::string& marker) {
    const std::string stream = "BT /F1 18 Tf 72 700 Td (" + marker + ") Tj ET";
    std::vector<std::string> objs = {
        "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 "
        "R >> >> >>",
        "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
    std::string out = "%PDF-1.4\n";
    std::vector<std::size_t> offs;
    for (std::size_t i = 0; i < objs.size(); ++i) {
        offs.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
    }
    const std::size_t xref = out.size();
    out += "xref\n0 6\n0000000000 65535 f \n";
    for (auto o : offs) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

Result<services::DocumentView> upload(Stack& s, const services::Principal& who, const std::string& case_id,
                                      const std::string& bytes, const std::string& doc_id = "") {
    services::UploadRequest r{case_id, doc_id, "court-order", "Order", "order.pdf"};
    auto up = s.vault->begin_upload(who, r, s.req);
    if (!up) {
        return std::move(up).error();
    }
    // Odd slice sizes on purpose: chunking must not depend on how the body arrives.
    for (std::size_t i = 0; i < bytes.size(); i += 333) {
        Status st = (*up)->write(reinterpret_cast<const std::uint8_t*>(bytes.data()) + i,
                                 std::min<std::size_t>(333, bytes.size() - i));
        if (!st) {
            return std::move(st).error();
        }
    }
    return (*up)->finish();
}

// A valid PDF of at least `size` bytes: the marker page, padded with comment lines before the first object.
std::string pdf_padded(const std::string& marker, std::size_t size) {
    std::string small = pdf_text(marker);
    const std::string header = "%PDF-1.4\n";
    std::string pad;
    while (pad.size() + small.size() < size) {
        pad += "%" + std::string(98, static_cast<char>('a' + (pad.size() / 99) % 26)) + "\n";
    }
    // Objects move by pad.size(): rebuild so that the xref offsets stay right.
    std::string body = small.substr(header.size());
    const std::size_t xref_at = body.find("xref\n");
    std::string out = header + pad;
    const std::size_t shift = out.size() - header.size();
    out += body.substr(0, xref_at);
    std::string tail = body.substr(xref_at);
    std::string fixed;
    std::size_t pos = 0;
    while (pos < tail.size()) {
        const std::size_t eol = tail.find('\n', pos);
        std::string line = tail.substr(pos, eol - pos);
        if (line.size() == 19 && line.substr(10) == " 00000 n ") {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%010zu 00000 n ", std::stoul(line.substr(0, 10)) + shift);
            line = buf;
        }
        fixed += line + "\n";
        pos = eol + 1;
    }
    const std::size_t sx = fixed.find("startxref\n");
    const std::size_t num_end = fixed.find('\n', sx + 10);
    const std::size_t old_xref = std::stoul(fixed.substr(sx + 10, num_end - sx - 10));
    fixed = fixed.substr(0, sx + 10) + std::to_string(old_xref + shift) + fixed.substr(num_end);
    return out + fixed;
}

std::string read_all(Stack& s, const services::OpenedDocument& opened) {
    std::string back;
    REQUIRE(s.vault->write_to(opened, [&](const std::uint8_t* d, std::size_t n) {
        back.append(reinterpret_cast<const char*>(d), n);
        return true;
    }));
    return back;
}

void flip_byte(const std::string& path, std::streamoff at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(at);
    char ch = 0;
    f.read(&ch, 1);
    f.seekp(at);
    ch = static_cast<char>(ch ^ 0x40);
    f.write(&ch, 1);
}

// Runs SQL on the vault's database behind the store's back, as someone with write access to the disk could.
void sql(Stack& s, const std::string& statement) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session db("SQLite", s.dir + "/kv.db");
    db << statement, Poco::Data::Keywords::now;
}

} // namespace

TEST_CASE("an uploaded PDF comes back byte for byte with its hash and page count", "[vault]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Rivera family", "closed", s.req);
    REQUIRE(c);
    const std::string bytes = pdf_text("VAULT-MARKER-551");
    auto doc = upload(s, clinician, c->id, bytes);
    REQUIRE(doc);
    CHECK(doc->pages == 1);
    CHECK(doc->sha256 == crypto::to_hex(crypto::sha256(bytes)));
    auto opened = s.vault->open(clinician, doc->id, std::nullopt, s.req);
    REQUIRE(opened);
    std::string back;
    REQUIRE(s.vault->write_to(*opened, [&](const std::uint8_t* d, std::size_t n) {
        back.append(reinterpret_cast<const char*>(d), n);
        return true;
    }));
    CHECK(back == bytes);

    SECTION("a new version supersedes and the old one stays retrievable by the clinician") {
        auto v2 = upload(s, clinician, c->id, pdf_text("VERSION-TWO"), doc->id);
        REQUIRE(v2);
        CHECK(v2->version == 2);
        auto versions = s.vault->versions(clinician, doc->id, s.req);
        REQUIRE(versions);
        CHECK(versions->size() == 2);
        CHECK(s.vault->open(clinician, doc->id, 1, s.req));
    }
    SECTION("the stored file is ciphertext: the marker is nowhere on disk") {
        for (const auto& e : std::filesystem::recursive_directory_iterator(s.dir)) {
            if (!e.is_regular_file()) {
                continue;
            }
            std::ifstream in(e.path(), std::ios::binary);
            const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            CHECK(content.find("VAULT-MARKER-551") == std::string::npos);
            CHECK(content.find("order.pdf") == std::string::npos);
        }
    }
    SECTION("a flipped byte in the stored blob is an integrity error and nothing is served") {
        const auto versions = s.store->versions_of(doc->id);
        const std::string path = s.blobs->path_of((*versions)[0].blob_id);
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        char ch = 0;
        f.read(&ch, 1);
        f.seekp(100);
        ch = static_cast<char>(ch ^ 0x40);
        f.write(&ch, 1);
        f.close();
        auto bad = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == Errc::integrity);
    }
}

TEST_CASE("uploads that are not PDFs are refused and leave nothing", "[vault]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Rivera family", "closed", s.req);
    REQUIRE(c);
    auto text = upload(s, clinician, c->id, std::string(2000, 'a'));
    REQUIRE_FALSE(text);
    CHECK(text.error().code == Errc::unsupported_media);
    auto broken = upload(s, clinician, c->id, "%PDF-1.4\nthis is not really a pdf\n%%EOF\n");
    REQUIRE_FALSE(broken);
    CHECK(broken.error().code == Errc::unprocessable);
    auto listing = s.vault->list(clinician, c->id, s.req);
    REQUIRE(listing);
    CHECK(listing->empty());
    CHECK(s.blobs->list()->empty());
}

TEST_CASE("a party sees their own upload; another party gets the same answer as for a missing document",
          "[vault]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Rivera family", "closed", s.req);
    REQUIRE(c);
    auto join = [&](const std::string& name, const std::string& email) {
        auto inv = s.cases->invite(clinician, c->id, {"parent", name, email, "", ""}, s.req);
        REQUIRE(inv);
        auto session =
            s.accounts->accept_invitation(inv->token, crypto::Secret::from_view(email + "-pw1"), s.req);
        REQUIRE(session);
        return session->principal;
    };
    const auto ana = join("Ana Rivera", "ana@example.org");
    const auto ben = join("Ben Rivera", "ben@example.org");
    auto doc = upload(s, ana, c->id, pdf_text("ANA-ORDER"));
    REQUIRE(doc);
    CHECK(s.vault->open(ana, doc->id, std::nullopt, s.req));
    auto hidden = s.vault->open(ben, doc->id, std::nullopt, s.req);
    auto missing = s.vault->open(ben, "doc_doesnotexist1234", std::nullopt, s.req);
    REQUIRE_FALSE(hidden);
    REQUIRE_FALSE(missing);
    CHECK(hidden.error().code == Errc::not_found);
    CHECK(hidden.error().message == missing.error().message);
    CHECK(s.vault->list(ben, c->id, s.req)->empty());
    CHECK(s.vault->list(ana, c->id, s.req)->size() == 1);
}

TEST_CASE("a large document streams back whole through the read-ahead ring, and a reader may stop early",
          "[vault]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Okafor family", "closed", s.req);
    REQUIRE(c);
    // Not a multiple of a chunk or a piece; one under the ring's 4 MiB, one over it (the helper that decrypts
    // ahead has to wait for the reader to free pieces).
    const std::size_t size =
        GENERATE(std::size_t{3 * 1024 * 1024 + 12'345}, std::size_t{5 * 1024 * 1024 + 12'345});
    const std::string bytes = pdf_padded("LARGE-DOC-MARKER", size);
    auto doc = upload(s, clinician, c->id, bytes);
    REQUIRE(doc);
    CHECK(doc->sha256 == crypto::to_hex(crypto::sha256(bytes)));
    for (int round = 0; round < 3; ++round) { // rings are reused between downloads
        auto opened = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE(opened);
        CHECK(read_all(s, *opened) == bytes);
    }
    SECTION("a reader that goes away after the first piece ends the download without hanging") {
        auto opened = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE(opened);
        std::size_t got = 0;
        Status st = s.vault->write_to(*opened, [&](const std::uint8_t*, std::size_t n) {
            got += n;
            return false;
        });
        CHECK_FALSE(st);
        CHECK(got > 0);
        CHECK(got < bytes.size());
        auto again = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE(again);
        CHECK(read_all(s, *again) == bytes);
    }
    SECTION("an opened document that is never read is closed cleanly") {
        for (int i = 0; i < 20; ++i) {
            auto opened = s.vault->open(clinician, doc->id, std::nullopt, s.req);
            REQUIRE(opened);
        }
        auto opened = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE(opened);
        CHECK(read_all(s, *opened) == bytes);
    }
    SECTION("damage anywhere in the file, even in its last chunk, is refused before a byte is served") {
        const auto versions = s.store->versions_of(doc->id);
        const std::string path = s.blobs->path_of((*versions)[0].blob_id);
        const auto file_size = static_cast<std::streamoff>(std::filesystem::file_size(path));
        // The first chunk, the MAC that closes it, the middle, the end.
        for (const std::streamoff at :
             {std::streamoff{100}, std::streamoff{28 + 65553 - 5}, file_size / 2, file_size - 40}) {
            flip_byte(path, at);
            auto bad = s.vault->open(clinician, doc->id, std::nullopt, s.req);
            REQUIRE_FALSE(bad);
            CHECK(bad.error().code == Errc::integrity);
            flip_byte(path, at);
        }
        auto restored = s.vault->open(clinician, doc->id, std::nullopt, s.req); // each flip was the cause
        REQUIRE(restored);
        CHECK(read_all(s, *restored) == bytes);
        std::filesystem::resize_file(path, static_cast<std::uintmax_t>(file_size - 1));
        auto cut = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE_FALSE(cut);
        CHECK(cut.error().code == Errc::integrity);
    }
}

TEST_CASE("every stored version carries a ciphertext tag, and the tag is checked", "[vault]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Ibsen family", "closed", s.req);
    REQUIRE(c);
    // One that a single helper decrypts and checks in one pass before sending; one too large for the
    // read-ahead ring, whose tag is checked in a pass of its own while decryption runs ahead.
    const std::size_t size = GENERATE(std::size_t{700'000}, std::size_t{5 * 1024 * 1024 + 777});
    const std::string bytes = pdf_padded("TAGGED-DOC", size);
    auto doc = upload(s, clinician, c->id, bytes);
    REQUIRE(doc);
    auto version = s.store->version_of(doc->id, 1);
    REQUIRE(version);
    REQUIRE(version->has_value());
    CHECK((*version)->ciphertext_mac.size() == crypto::k_blob_mac_size);

    SECTION("a recorded size that does not match the file refuses the read") {
        sql(s, "UPDATE document_versions SET size = 1000");
        auto bad = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == Errc::integrity);
    }
    SECTION("a recorded tag that does not match the intact file refuses the read") {
        // Proves the tag is compared, not merely present: the blob itself would decrypt fine.
        sql(s, "UPDATE document_versions SET ciphertext_mac = zeroblob(16)");
        auto bad = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == Errc::integrity);
    }
    SECTION("a version stored before tags is verified by a full decryption, then tagged") {
        sql(s, "UPDATE document_versions SET ciphertext_mac = NULL");
        auto first = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE(first);
        CHECK(read_all(s, *first) == bytes);
        auto tagged = s.store->version_of(doc->id, 1);
        REQUIRE(tagged);
        CHECK((*tagged)->ciphertext_mac == (*version)->ciphertext_mac);
        auto second = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE(second);
        CHECK(read_all(s, *second) == bytes);
    }
    SECTION("a damaged version stored before tags is refused and gets no tag") {
        sql(s, "UPDATE document_versions SET ciphertext_mac = NULL");
        const std::string path = s.blobs->path_of((*version)->blob_id);
        flip_byte(path, 70'000);
        auto bad = s.vault->open(clinician, doc->id, std::nullopt, s.req);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == Errc::integrity);
        auto still = s.store->version_of(doc->id, 1);
        REQUIRE(still);
        CHECK((*still)->ciphertext_mac.empty());
    }
}
