/**
 * Finds the licence numbers that appear more than once in a file, and the last line of each,
 * in little memory: a Bloom filter of the numbers seen (10 bits a row, about 1% false
 * positives) and a map of only those that may have been seen before, by the last valid row of
 * each. A false positive costs one map entry and changes no answer: a number's entry then holds
 * its own, only, line.
 */
export class RepeatedLicenseNumbers {
  private readonly bits: Uint32Array;
  private readonly bitCount: number;
  private readonly lastLinesByNumber = new Map<string, number>();

  /** `rows`: an upper bound of the rows to be seen; more only raise the false positives. */
  constructor(rows: number) {
    const words = Math.max(1024, Math.ceil((Math.max(rows, 1) * 10) / 32));
    this.bits = new Uint32Array(words);
    this.bitCount = words * 32;
  }

  /**
   * Notes a licence number; true when it may have been seen before (or is a rare false
   * positive): only then need its row be checked, and `seeAgain` called when the row is valid.
   */
  mayRepeat(licenseNumber: string): boolean {
    return this.lastLinesByNumber.has(licenseNumber) || !this.addToFilter(licenseNumber);
  }

  /** A valid row of a number that `mayRepeat` said may be seen before. */
  seeAgain(licenseNumber: string, line: number): void {
    this.lastLinesByNumber.set(licenseNumber, line);
  }

  /** The last line of a number seen more than once (or a rare false positive's own line). */
  lastLine(licenseNumber: string): number | undefined {
    return this.lastLinesByNumber.get(licenseNumber);
  }

  /** Every number `seeAgain` was told of, with its last line: what the import's workers consult. */
  lastLines(): ReadonlyMap<string, number> {
    return this.lastLinesByNumber;
  }

  /** Sets the number's bits; false when all were set already (seen before, or a false positive). */
  private addToFilter(licenseNumber: string): boolean {
    // Seven positions by double hashing from two 32-bit FNV-1a hashes with different seeds.
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < licenseNumber.length; i++) {
      const c = licenseNumber.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 ^= h2 >>> 13;
    let added = false;
    for (let k = 0; k < 7; k++) {
      const bit = ((h1 + Math.imul(k, h2)) >>> 0) % this.bitCount;
      const mask = 1 << (bit & 31);
      if ((this.bits[bit >>> 5]! & mask) === 0) {
        this.bits[bit >>> 5]! |= mask;
        added = true;
      }
    }
    return added;
  }
}
