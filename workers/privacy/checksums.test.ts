import { describe, expect, it } from 'vitest'
import { cnIdValid, ibanValid, luhnValid, ssnValid } from './checksums'

describe('luhnValid', () => {
  it('accepts the classic Luhn example and well-known test cards', () => {
    for (const n of ['79927398713', '4111111111111111', '378282246310005', '6250941006528599']) {
      expect(luhnValid(n)).toBe(true)
    }
  })

  it('rejects a number with one digit changed', () => {
    expect(luhnValid('79927398710')).toBe(false)
    expect(luhnValid('4111111111111112')).toBe(false)
  })
})

describe('ibanValid', () => {
  it('accepts the registry examples', () => {
    for (const iban of ['GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606']) {
      expect(ibanValid(iban)).toBe(true)
    }
  })

  it('rejects a wrong check digit or a stray character', () => {
    expect(ibanValid('GB82WEST12345698765433')).toBe(false)
    expect(ibanValid('GB81WEST12345698765432')).toBe(false)
    expect(ibanValid('GB82WEST1234569876543_')).toBe(false)
  })
})

describe('cnIdValid', () => {
  it('accepts the GB 11643-1999 example with an X check character, in either case', () => {
    expect(cnIdValid('11010519491231002X')).toBe(true)
    expect(cnIdValid('11010519491231002x')).toBe(true)
  })

  it('rejects a wrong check character', () => {
    expect(cnIdValid('110105194912310021')).toBe(false)
  })

  it('rejects a birth date that does not exist even when the checksum holds', () => {
    expect(cnIdValid('440305199302291239')).toBe(false) // 1993-02-29
    expect(cnIdValid('440305199202297772')).toBe(true) // 1992-02-29
  })
})

describe('ssnValid', () => {
  it('follows the SSA rules for area, group and serial', () => {
    expect(ssnValid('219099999')).toBe(true)
    for (const bad of ['000123456', '666123456', '912701234', '123004567', '123450000'])
      expect(ssnValid(bad)).toBe(false)
  })
})
