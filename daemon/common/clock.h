// Time source. Production code asks a Clock; tests substitute a FakeClock (the only fake Kinvault allows
// besides failure injection).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace kinvault {

// Seconds since the Unix epoch, UTC.
using UnixTime = std::int64_t;

class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual UnixTime now() const = 0;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] UnixTime now() const override;
};

// The system clock shifted by a fixed amount: lets tests of a real daemon reach dates (expiries, 18th
// birthdays) without waiting. Set only through the testing.clock_offset_seconds setting.
class OffsetClock final : public Clock {
public:
    explicit OffsetClock(std::int64_t offset_seconds) : m_offset(offset_seconds) {}
    [[nodiscard]] UnixTime now() const override { return m_system.now() + m_offset; }

private:
    SystemClock m_system;
    std::int64_t m_offset;
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(UnixTime start) : m_now(start) {}
    [[nodiscard]] UnixTime now() const override { return m_now.load(); }
    void set(UnixTime t) { m_now.store(t); }
    void advance(std::int64_t seconds) { m_now.fetch_add(seconds); }

private:
    std::atomic<UnixTime> m_now;
};

// RFC 3339 / ISO 8601 in UTC with a Z suffix, e.g. 2026-11-23T16:54:28Z.
[[nodiscard]] std::string format_utc(UnixTime t);
// Parses "YYYY-MM-DD" (midnight UTC) or a full "YYYY-MM-DDTHH:MM:SSZ". Returns false on bad input.
[[nodiscard]] bool parse_utc(const std::string& text, UnixTime& out);
// Calendar date "YYYY-MM-DD" of a time.
[[nodiscard]] std::string format_date(UnixTime t);

} // namespace kinvault
