/**
 * The check digits behind the number kinds. A pattern alone cannot tell a card from an order
 * number or an ID from a reference code; the checksum (and, for IDs, the birth date) can, so every
 * number kind except phones and passports must pass one of these before it is redacted.
 */

/** Luhn (ISO/IEC 7812) over a string of digits: payment card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let n = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) n = n > 4 ? n * 2 - 9 : n * 2
    sum += n
  }
  return digits.length > 0 && sum % 10 === 0
}

/**
 * ISO 13616 IBAN check (ISO 7064 mod 97-10) on a compact, upper-case IBAN: the first four
 * characters move to the end, letters become 10..35, and the number mod 97 must be 1. Computed
 * piecewise so no BigInt is needed.
 */
export function ibanValid(iban: string): boolean {
  const moved = iban.slice(4) + iban.slice(0, 4)
  let rest = 0
  for (const ch of moved) {
    const code = ch.charCodeAt(0)
    const value = code >= 65 && code <= 90 ? code - 55 : code - 48
    if (value < 0 || value > 35) return false
    rest = value > 9 ? (rest * 100 + value) % 97 : (rest * 10 + value) % 97
  }
  return rest === 1
}

const CN_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CN_CHECK = '10X98765432'

/**
 * GB 11643-1999 citizen identity number: 6-digit region (province 11–82), birth date YYYYMMDD that
 * exists (1900 or later: nobody born earlier holds one; an 18-digit archive number with an 1899
 * date and a valid check character is not an ID), 3-digit sequence, and a mod 11-2 check character (0–9 or X).
 */
export function cnIdValid(id: string): boolean {
  if (!/^[1-8]\d{16}[\dX]$/i.test(id)) return false
  const year = Number(id.slice(6, 10))
  const month = Number(id.slice(10, 12))
  const day = Number(id.slice(12, 14))
  const date = new Date(Date.UTC(year, month - 1, day))
  if (year < 1900 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) return false
  if (date.getUTCDate() !== day) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * CN_WEIGHTS[i]!
  return CN_CHECK[sum % 11] === id[17]!.toUpperCase()
}

/**
 * The SSA's rules for a US social security number (9 digits): area not 000, 666 or 900–999,
 * group not 00, serial not 0000. Numbers in 9xx are ITINs or never issued.
 */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false
  const area = digits.slice(0, 3)
  return (
    area !== '000' &&
    area !== '666' &&
    area[0] !== '9' &&
    digits.slice(3, 5) !== '00' &&
    digits.slice(5) !== '0000'
  )
}
