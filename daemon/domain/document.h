// A document as the release engine sees it: facts only, never content.
#pragma once

#include "common/clock.h"
#include "domain/ids.h"
#include "domain/letter.h"
#include "domain/types.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace kinvault::domain {

// What the information is, finer than DocType: ROIs describe the information they cover by DocType and/or
// InfoCategory (HIPAA 45 CFR 164.508(c)(1)(i) "specific and meaningful"), agreement allowances by category.
enum class InfoCategory {
    general,
    attendance,
    payment,
    progress_report,
    assessment,
    session_summary,
    correspondence,
    legal,
};

// Information that no general release may carry.
enum class Sensitivity : std::uint8_t {
    // HIPAA 45 CFR 164.508(a)(2): needs its own authorization, never combined with another
    // (164.508(b)(3)(ii)).
    psychotherapy_notes = 1U << 0U,
    // 42 CFR 2.31(a)(3): the consent must describe the substance use disorder information explicitly;
    // 42 CFR 2.32: every disclosure carries the redisclosure notice.
    substance_use = 1U << 1U,
};

class SensitivitySet {
public:
    constexpr SensitivitySet() = default;
    constexpr SensitivitySet(std::initializer_list<Sensitivity> flags) {
        for (const auto f : flags) {
            add(f);
        }
    }
    constexpr void add(Sensitivity f) {
        m_bits = static_cast<std::uint8_t>(m_bits | static_cast<std::uint8_t>(f));
    }
    [[nodiscard]] constexpr bool has(Sensitivity f) const {
        return (m_bits & static_cast<std::uint8_t>(f)) != 0;
    }
    [[nodiscard]] constexpr bool empty() const { return m_bits == 0; }
    [[nodiscard]] constexpr bool subset_of(SensitivitySet other) const {
        return (m_bits & ~other.m_bits) == 0;
    }
    [[nodiscard]] constexpr std::uint8_t bits() const { return m_bits; }
    [[nodiscard]] static constexpr SensitivitySet from_bits(std::uint8_t bits) {
        SensitivitySet s;
        s.m_bits = bits;
        return s;
    }
    friend constexpr bool operator==(SensitivitySet, SensitivitySet) = default;

private:
    std::uint8_t m_bits{0};
};

// A document that belongs to a signing envelope. Parties to an executed envelope get the executed copy
// (ESIGN 15 U.S.C. 7001(c); domain.md "signers get a copy of what they signed").
struct EnvelopeMembership {
    EnvelopeId envelope;
    bool executed{false};      // every signer has signed and the envelope is sealed
    bool executed_copy{false}; // this document is the sealed final PDF, not a draft or an input
    std::vector<PartyId> parties;
};

struct DocumentFacts {
    DocumentId id;
    CaseId case_id;
    DocType type{DocType::other};
    InfoCategory category{InfoCategory::general};
    UserId uploader;               // the account that uploaded it
    std::optional<PartyId> author; // the party who uploaded or wrote it, when a party did
    UnixTime created_at{0};        // the date an ROI's date range is compared with
    SensitivitySet sensitivity;
    std::vector<PartyId> subjects;              // whose information it is; an ROI must cover each of them
    std::vector<PartyId> contact_details_of;    // whose address/phone/e-mail it shows (protective orders)
    std::optional<ClarificationLetter> letter;  // set for clarification letters
    std::optional<EnvelopeMembership> envelope; // set for documents of a signing envelope
};

[[nodiscard]] std::string_view to_string(InfoCategory c);
[[nodiscard]] std::optional<InfoCategory> parse_info_category(std::string_view text);
[[nodiscard]] std::string_view to_string(Sensitivity s);
[[nodiscard]] std::optional<Sensitivity> parse_sensitivity(std::string_view text);

} // namespace kinvault::domain
