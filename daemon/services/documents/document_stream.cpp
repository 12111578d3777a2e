#include "services/documents/document_stream.h"

#include <Poco/Logger.h>
#include <Poco/Runnable.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <sodium.h>

namespace kinvault::services {

// Checks a stored file and decrypts it ahead of the reader on a helper thread, handing plaintext to the
// serving thread in a ring of a few fixed pieces: the check overlaps the audit commit, and each piece is
// decrypted while the previous one is TLS-encrypted and written to the socket. Memory stays at
// k_pieces x k_piece whatever the document size; pieces are wiped before they are freed.
class DocumentStream final : public Poco::Runnable {
public:
    // 4 MiB ahead: about what is decrypted while a 20 MiB file's tag is checked.
    static constexpr std::size_t k_piece = 256 * 1024;
    static constexpr std::size_t k_pieces = 16;
    static constexpr std::size_t k_capacity = k_piece * k_pieces;

    using Verify = std::function<Status()>;
    using Decrypt = std::function<Status(const crypto::ByteSink&)>;

    // Checks on one thread of `pool` while decrypting ahead on another; with one thread free, checks and
    // then decrypts on it; with none, both run on the reader's thread when asked (slower, never refused).
    //
    // `whole`, for a document that fits in the ring: one helper decrypts all of it and checks the tag in the
    // same pass, and that pass is the check. It reads and authenticates the file once instead of twice, and
    // only one helper competes with the audit commit for the cores. Sending then starts from plaintext that
    // is all there.
    DocumentStream(Verify verify, Decrypt decrypt, Poco::ThreadPool& pool, Decrypt whole = {})
        : m_verify_fn(std::move(verify)), m_decrypt_fn(std::move(decrypt)), m_check(*this) {
        m_ring = take_ring();
        if (whole) {
            m_whole = true;
            m_whole_fn = std::move(whole);
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_running = 1;
            }
            try {
                pool.start(*this, "kv-read-whole");
                return;
            } catch (const Poco::NoThreadAvailableException&) {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_running = 0;
            }
            // No helper: check, then decrypt, on the reader's thread.
            m_whole = false;
            give_back(std::move(m_ring));
            return;
        }
        // Counted before each start: a task may finish (and count itself out) before start() returns.
        bool checking = false;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_running = 2;
        }
        try {
            pool.start(m_check, "kv-read-check");
            checking = true;
        } catch (const Poco::NoThreadAvailableException&) {
            std::lock_guard<std::mutex> lock(m_mutex);
            --m_running;
        }
        try {
            pool.start(*this, "kv-read-ahead");
        } catch (const Poco::NoThreadAvailableException&) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                --m_running;
            }
            if (!checking) {
                give_back(std::move(m_ring)); // no helper at all
            } else {
                m_decrypt_here = true; // the check runs on the helper; decryption on the reader's thread
            }
        }
        if (!checking && m_ring) {
            // Decrypting ahead but nobody checking: check on the reader's thread when asked.
            m_check_here = true;
        }
    }
    ~DocumentStream() override {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_stopped = true;
        m_cv.notify_all();
        m_cv.wait(lock, [&] { return m_running == 0; });
        lock.unlock();
        if (m_ring) {
            give_back(std::move(m_ring));
        }
    }
    DocumentStream(const DocumentStream&) = delete;
    DocumentStream& operator=(const DocumentStream&) = delete;

    // Waits for the check of the whole stored file.
    Status verified() {
        if (!m_ring || m_check_here) { // no helper for the check: check here, once
            if (!m_verify_done) {
                m_verify = m_verify_fn();
                m_verify_done = true;
            }
            return m_verify;
        }
        std::unique_lock<std::mutex> lock(m_mutex);
        if (m_whole) {
            m_cv.wait(lock, [&] { return m_closed; });
            return m_end;
        }
        m_cv.wait(lock, [&] { return m_verify_done; });
        return m_verify;
    }

    // Feeds the plaintext to the sink until the stream ends. Only after verified() has passed.
    Status drain(const crypto::ByteSink& sink) {
        if (!m_ring || m_decrypt_here) {
            return m_decrypt_fn(sink);
        }
        std::size_t next = 0;
        while (true) {
            Piece& p = (*m_ring)[next];
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_cv.wait(lock, [&] { return p.full || m_closed; });
                if (!p.full) {
                    return m_end;
                }
            }
            bool ok = false;
            try {
                ok = sink(p.data.data(), p.len);
            } catch (...) {
                stop();
                throw;
            }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                p.full = false;
                m_stopped = m_stopped || !ok;
                m_cv.notify_all();
            }
            if (!ok) {
                return make_error(Errc::unavailable, "the reader stopped");
            }
            next = (next + 1) % k_pieces;
        }
    }

    // The reader is gone (or never came): the helper stops at its next piece.
    void stop() {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopped = true;
        m_cv.notify_all();
    }

private:
    struct Piece {
        std::vector<std::uint8_t> data;
        std::size_t len{0};
        std::size_t used{0}; // bytes ever written since the ring was taken: what must be wiped
        bool full{false};
    };
    using Ring = std::array<Piece, k_pieces>;

    // Rings are reused: allocating and freeing a megabyte per download costs more than decrypting a small
    // document (every free unmaps pages and flushes the other cores' TLBs). At most k_spare rings are kept,
    // so idle memory is bounded by concurrency, never by document size.
    static constexpr std::size_t k_spare = 4;
    static std::mutex& spare_mutex() {
        static std::mutex m;
        return m;
    }
    static std::vector<std::unique_ptr<Ring>>& spares() {
        static std::vector<std::unique_ptr<Ring>> s;
        return s;
    }
    static std::unique_ptr<Ring> take_ring() {
        {
            std::lock_guard<std::mutex> lock(spare_mutex());
            if (!spares().empty()) {
                auto r = std::move(spares().back());
                spares().pop_back();
                return r;
            }
        }
        auto r = std::make_unique<Ring>();
        for (auto& p : *r) {
            p.data.resize(k_piece);
        }
        return r;
    }
    static void give_back(std::unique_ptr<Ring> r) {
        for (auto& p : *r) {
            sodium_memzero(p.data.data(), p.used); // no plaintext outlives its download
            p.used = 0;
            p.len = 0;
            p.full = false;
        }
        std::lock_guard<std::mutex> lock(spare_mutex());
        if (spares().size() < k_spare) {
            spares().push_back(std::move(r));
        }
    }

    // The whole-file check, on its own helper thread.
    struct Check final : Poco::Runnable {
        explicit Check(DocumentStream& owner) : stream(owner) {}
        void run() override { stream.check(); }
        DocumentStream& stream;
    };

    void check() {
        Status st;
        try {
            st = m_verify_fn();
        } catch (const std::exception& e) {
            st = make_error(Errc::internal, std::string("checking the stored document failed: ") + e.what());
        } catch (...) {
            st = make_error(Errc::internal, "checking the stored document failed");
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_verify = std::move(st);
        m_verify_done = true;
        --m_running; // the last touch of this object by the check's thread
        m_cv.notify_all();
    }

    // Decryption ahead of the reader. Nothing it produces leaves before check() has passed: the reader waits
    // for verified() first.
    void run() override {
        Status st;
        try {
            const Decrypt& fn = m_whole ? m_whole_fn : m_decrypt_fn;
            st = fn([this](const std::uint8_t* d, std::size_t n) { return put(d, n); });
            if (m_whole_overflow) {
                st = make_error(Errc::integrity, "the stored document is larger than its recorded size");
            }
        } catch (const std::exception& e) {
            st = make_error(Errc::internal, std::string("decryption failed: ") + e.what());
        } catch (...) {
            st = make_error(Errc::internal, "decryption failed");
        }
        if (st && m_fill_len > 0) {
            (void)publish();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_end = std::move(st);
        m_closed = true;
        --m_running; // the last touch of this object by the decrypting thread
        m_cv.notify_all();
    }

    bool put(const std::uint8_t* d, std::size_t n) {
        while (n > 0) {
            Piece& p = (*m_ring)[m_fill];
            if (m_fill_len == 0) {
                std::unique_lock<std::mutex> lock(m_mutex);
                if (m_whole && p.full) {
                    // Nobody drains before the whole pass has ended: more than the ring holds is refused
                    // rather than waited for.
                    m_whole_overflow = true;
                    return false;
                }
                m_cv.wait(lock, [&] { return !p.full || m_stopped; });
                if (m_stopped) {
                    return false;
                }
            }
            const std::size_t take = std::min(n, k_piece - m_fill_len);
            std::memcpy(p.data.data() + m_fill_len, d, take);
            m_fill_len += take;
            p.used = std::max(p.used, m_fill_len);
            d += take;
            n -= take;
            if (m_fill_len == k_piece && !publish()) {
                return false;
            }
        }
        return true;
    }

    bool publish() {
        std::lock_guard<std::mutex> lock(m_mutex);
        Piece& p = (*m_ring)[m_fill];
        p.len = m_fill_len;
        p.full = true;
        m_fill = (m_fill + 1) % k_pieces;
        m_fill_len = 0;
        m_cv.notify_all();
        return !m_stopped;
    }

    Verify m_verify_fn;
    Decrypt m_decrypt_fn;
    std::unique_ptr<Ring> m_ring; // only when decrypting ahead
    std::size_t m_fill{0};        // helper thread only
    std::size_t m_fill_len{0};    // helper thread only
    Decrypt m_whole_fn;
    bool m_whole{false};          // one helper decrypts and checks the whole document
    bool m_whole_overflow{false}; // helper thread only
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_verify_done{false};
    Status m_verify;
    bool m_stopped{false}; // the reader gave up
    bool m_closed{false};  // decryption finished
    Status m_end;
    Check m_check;
    int m_running{0};           // helper tasks still using this object
    bool m_decrypt_here{false}; // only the check found a helper thread
    bool m_check_here{false};   // only decryption found a helper thread
};

DocumentStreams::DocumentStreams(storage::Store& store, storage::BlobStore& blobs,
                                 const barrier::Barrier& barrier)
    : m_store(store), m_blobs(blobs), m_barrier(barrier),
      m_readers(std::make_unique<Poco::ThreadPool>(4, 64, 60)) {}

DocumentStreams::~DocumentStreams() {
    m_readers->joinAll();
}

Status DocumentStreams::verified(DocumentStream& stream) {
    return stream.verified();
}

Status DocumentStreams::check_blob_tag(const storage::VersionRecord& v, crypto::BlobMac& mac) const {
    // One pass of Poly1305 over the file: about a sixth of the cost of decrypting it.
    KV_TRY(m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) {
        mac.update(d, n);
        return Status{};
    }));
    if (mac.size() != crypto::blob_ciphertext_size(static_cast<std::uint64_t>(v.size))) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    if (!crypto::blob_tag_equal(mac.finish(), v.ciphertext_mac)) {
        return make_error(Errc::integrity,
                          "the stored document does not match the tag recorded when it was stored");
    }
    return {};
}

Status DocumentStreams::decrypt_checked_blob(const storage::VersionRecord& v, crypto::Secret&& key,
                                             crypto::BlobMac& mac, const crypto::ByteSink& sink) const {
    // Each chunk is authenticated as it is decrypted, the file's tag over the same bytes; the caller releases
    // nothing of what reached `sink` unless this returns success.
    const auto recorded = static_cast<std::uint64_t>(v.size);
    std::uint64_t plain = 0;
    bool too_long = false;
    crypto::BlobDecryptor dec(std::move(key), barrier::blob_binding(v.document_id, v.version, v.kek_version),
                              [&](const std::uint8_t* d, std::size_t n) {
                                  plain += n;
                                  if (plain > recorded) {
                                      too_long = true; // stop before it outgrows what the caller holds
                                      return false;
                                  }
                                  return sink(d, n);
                              });
    Status streamed = m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) {
        mac.update(d, n);
        return dec.feed(d, n);
    });
    if (too_long) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    KV_TRY(streamed);
    KV_TRY(dec.finish());
    if (plain != recorded || mac.size() != crypto::blob_ciphertext_size(static_cast<std::uint64_t>(v.size))) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    if (!crypto::blob_tag_equal(mac.finish(), v.ciphertext_mac)) {
        return make_error(Errc::integrity,
                          "the stored document does not match the tag recorded when it was stored");
    }
    return {};
}

Status DocumentStreams::verify_blob(const storage::VersionRecord& v) {
    const crypto::Secret key = KV_TRY_VALUE(m_barrier.unwrap_data_key(v));
    crypto::BlobMac mac(key);
    if (!v.ciphertext_mac.empty()) {
        return check_blob_tag(v, mac);
    }
    // A version stored before tags existed: decrypt it all once (every chunk, its order, the final tag, the
    // binding), then record its tag so that later reads take the one cheap pass.
    std::uint64_t plain = 0;
    crypto::BlobDecryptor dec(key, barrier::blob_binding(v.document_id, v.version, v.kek_version),
                              [&](const std::uint8_t*, std::size_t n) {
                                  plain += n;
                                  return true;
                              });
    KV_TRY(m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) {
        mac.update(d, n);
        return dec.feed(d, n);
    }));
    KV_TRY(dec.finish());
    if (plain != static_cast<std::uint64_t>(v.size)) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    const crypto::BlobTag tag = mac.finish();
    if (Status recorded = m_store.set_version_mac(v.document_id, v.version, Bytes(tag.begin(), tag.end()));
        !recorded) {
        Poco::Logger::get("kinvault.vault")
            .warning("could not record a verified version's ciphertext tag: %s", recorded.error().message);
    }
    return {};
}

Status DocumentStreams::decrypt_blob(const storage::VersionRecord& v, const crypto::ByteSink& sink) const {
    auto key = KV_TRY_VALUE(m_barrier.unwrap_data_key(v));
    return decrypt_blob(v, std::move(key), sink);
}

Status DocumentStreams::decrypt_blob(const storage::VersionRecord& v, crypto::Secret&& key,
                                     const crypto::ByteSink& sink) const {
    crypto::BlobDecryptor dec(std::move(key), barrier::blob_binding(v.document_id, v.version, v.kek_version),
                              sink);
    KV_TRY(m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) { return dec.feed(d, n); }));
    return dec.finish();
}

std::shared_ptr<DocumentStream> DocumentStreams::open(const storage::VersionRecord& v) {
    if (!v.ciphertext_mac.empty()) {
        // The data key is unwrapped once, here: the check takes the Poly1305 key derived from it, decryption
        // takes the key itself. Both tasks then read only the blob: safe on the helper threads.
        auto key = m_barrier.unwrap_data_key(v);
        if (!key) {
            const Error failed = key.error();
            return std::make_shared<DocumentStream>(
                [failed]() -> Status { return failed; },
                [failed](const crypto::ByteSink&) -> Status { return failed; }, *m_readers);
        }
        auto mac = std::make_shared<crypto::BlobMac>(*key);
        auto data_key = std::make_shared<crypto::Secret>(std::move(key).value());
        DocumentStream::Decrypt whole;
        if (v.size >= 0 && static_cast<std::uint64_t>(v.size) <= DocumentStream::k_capacity) {
            whole = [this, v, mac, data_key](const crypto::ByteSink& sink) {
                return decrypt_checked_blob(v, std::move(*data_key), *mac, sink);
            };
        }
        return std::make_shared<DocumentStream>([this, v, mac] { return check_blob_tag(v, *mac); },
                                                [this, v, data_key](const crypto::ByteSink& sink) {
                                                    return decrypt_blob(v, std::move(*data_key), sink);
                                                },
                                                *m_readers, std::move(whole));
    }
    // A version stored before tags: verified here by a full decryption (which records its tag in the store,
    // so it stays on this thread), then streamed like any other.
    Status st = verify_blob(v);
    return std::make_shared<DocumentStream>(
        [st] { return st; }, [this, v](const crypto::ByteSink& sink) { return decrypt_blob(v, sink); },
        *m_readers);
}

Status DocumentStreams::write_to(const std::shared_ptr<DocumentStream>& stream,
                                 const crypto::ByteSink& sink) const {
    if (!stream) {
        return make_error(Errc::internal, "the document was not opened for reading");
    }
    KV_TRY(stream->verified());
    return stream->drain(sink);
}

} // namespace kinvault::services
