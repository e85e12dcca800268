// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/apply/statement_builder.h"
#include "ferry/v1/change.pb.h"

namespace ferry::apply {

// The rows a transaction (or a group of them) may lock or collide on in the target, as 64-bit
// hashes. Two write sets conflict when
//   - an exclusive hash of one is an exclusive or table hash of the other, or
//   - either is a barrier.
// Exclusive hashes are (target schema, table, key name, normalised key values) for the before
// and after images of the primary key and every unique key; a whole table (a keyless table, or
// a key whose values are not all known) or a foreign-key group is one exclusive hash. Table
// hashes (one per target table touched) are shared: they only meet whole-table exclusives.
// A false conflict costs parallelism only; the scheduler also retries a group that fails while
// its predecessors are still uncommitted, so a missed conflict costs a retry, never data.
// A plain value.
struct WriteSet {
    std::vector<std::uint64_t> exclusive;  // sorted, unique
    std::vector<std::uint64_t> tables;     // sorted, unique
    bool barrier = false;                  // DDL, streamed or undecidable: runs alone

    bool conflictsWith(const WriteSet& other) const;
    // Adds `other` (for a group of transactions applied as one).
    void merge(const WriteSet& other);
    bool empty() const { return !barrier && exclusive.empty() && tables.empty(); }
};

// Which target tables are linked by foreign keys (a parent and its children, transitively):
// every transaction touching a table of a group serialises with every other touching that
// group, so a child row never waits on a parent row another worker holds. Names are target
// names, compared case-insensitively (lower_case_table_names may be on; folding more is safe).
// A plain value; const methods may be called from several threads.
class ForeignKeyGroups {
public:
    // Records that `childSchema.childTable` references `parentSchema.parentTable`.
    void link(std::string_view childSchema, std::string_view childTable,
              std::string_view parentSchema, std::string_view parentTable);
    // A stable id of the table's group, or nullopt when the table has no foreign keys.
    std::optional<std::uint64_t> groupOf(std::string_view schema, std::string_view table) const;
    bool empty() const { return m_parent.empty(); }

private:
    std::uint64_t find(std::uint64_t node) const;
    std::uint64_t node(std::string_view schema, std::string_view table);

    std::map<std::string, std::uint64_t> m_ids;  // "schema\0table" (lowercase) -> node
    mutable std::vector<std::uint64_t> m_parent;
};

struct WriteSetOptions {
    NameMapping mapping;                            // source -> target table names
    const ForeignKeyGroups* foreignKeys = nullptr;  // not owned; must outlive the computation
    // A transaction with more key hashes than this takes each table it touches whole (bounds
    // the memory and the conflict checks of huge transactions).
    std::size_t maxHashesPerTransaction = 100000;
};

// The write set of one captured transaction. Pure. DDL, streamed transactions and malformed
// ones (a change naming a table or a key column that does not exist) are barriers: apply then
// reports what is wrong.
WriteSet computeWriteSet(const ferry::v1::Transaction& transaction,
                         const WriteSetOptions& options = {});

// How text of a collation compares, as far as write sets care.
enum class CollationClass {
    Binary,          // the binary charset and NO PAD _bin collations: bytes as they are
    BinaryPadSpace,  // PAD SPACE _bin collations: bytes, trailing spaces ignored
    Folded,          // everything else (and unknown ids): case, accents, width folded
};

CollationClass classifyCollation(std::uint32_t collation);

// Text normalised so that values equal under `collation` give the same bytes (folding MORE than
// the collation is allowed: it only merges write sets). For Folded collations, on code points
// (UTF-8 for utf8mb3/utf8mb4 and unknown collations, latin1 as cp1252, ascii):
//   - ignorables (controls, soft hyphen, zero-width characters, BOM, variation selectors) and
//     combining marks are dropped;
//   - ASCII, Latin-1, Latin Extended-A/B/Additional, Greek and Cyrillic letters are lower-cased
//     and stripped of diacritics; ligatures expand (ae, oe, ss, th, ij, dz, lj, nj); full-width
//     ASCII becomes ASCII, the ideographic space a space;
//   - then, so that the equalities of every common collation map to one string at once: a run
//     of one repeated letter becomes one letter (ss == s == ß under unicode_ci and general_ci,
//     aa == å under danish_ci), an "e" after "a", "o" or "u" is dropped (ä == ae under
//     german2_ci, æ == ä under swedish_ci), and "y" folds to "u" (ü == y under swedish_ci);
//   - Hangul and Japanese kana fold to one class per script (their canonical and width
//     variants are too many to list; such keys serialise more than they need to);
//   - trailing spaces are stripped (PAD SPACE; for NO PAD collations this folds more).
// Text whose charset is another one (utf16, gbk, ...) or that is not valid UTF-8 folds to the
// empty string: every such value of a key collides, which is safe.
// Known gaps (a missed conflict there costs a retry in the scheduler, not data): code points
// outside the ranges above are kept as they are, so canonical equivalents such as CJK
// compatibility ideographs, Arabic presentation forms and other scripts' precomposed letters do
// not fold with their base forms.
std::string foldText(std::string_view bytes, std::uint32_t collation);

}  // namespace ferry::apply
