import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseCountry } from '../src/identifiers/countries.ts';
import {
  maskActivationCodes,
  normaliseActivationCode,
  normaliseLicenseKey,
  normaliseLicenseNumber,
  normaliseOrderNumber,
  orderNumberKey,
} from '../src/identifiers/identifiers.ts';
import { newReference, normaliseReference } from '../src/requests/reference.ts';

describe('identifier normalisation (README "Matching", step 1)', () => {
  it('when a licence number is typed loosely, then it reads as the canonical 4-6-8 form', () => {
    assert.equal(normaliseLicenseNumber(' 84f3 e32248 c1e89af9 '), '84F3-E32248-C1E89AF9');
    assert.equal(normaliseLicenseNumber('84F3E32248C1E89AF9'), '84F3-E32248-C1E89AF9');
    assert.equal(normaliseLicenseNumber('84F-3E3224-8C1E89AF9'), '84F3-E32248-C1E89AF9');
  });

  it('when hexadecimal fields hold O, I or L, then they read as 0 and 1', () => {
    assert.equal(normaliseLicenseNumber('84F3-E32248-ClE89AF9'), '84F3-E32248-C1E89AF9');
    assert.equal(normaliseLicenseNumber('O4F3-E32248-CIE89AF9'), '04F3-E32248-C1E89AF9');
    assert.equal(
      normaliseLicenseKey('ed025601c567fbb5522e53a5Oae8dae1'),
      'ED025601-C567-FBB5-522E-53A50AE8DAE1',
    );
  });

  it('when a licence identifier has the wrong length or letters beyond F, then it is rejected', () => {
    assert.equal(normaliseLicenseNumber('84F3-E32248-C1E89AF'), null);
    assert.equal(normaliseLicenseNumber('84F3-E32248-C1E89AFG'), null);
    assert.equal(normaliseLicenseKey('ED025601-C567-FBB5-522E-53A50AE8DAE'), null);
    assert.equal(normaliseLicenseNumber(''), null);
  });

  it('when an activation code is typed loosely, then every letter is kept as typed (no look-alike folding)', () => {
    assert.equal(normaliseActivationCode('tx684 v88u4 asmzu 29u4q'), 'TX684-V88U4-ASMZU-29U4Q');
    assert.equal(normaliseActivationCode('OOOOO-IIIII-LLLLL-00000'), 'OOOOO-IIIII-LLLLL-00000');
    assert.equal(normaliseActivationCode('TX684-V88U4-ASMZU'), null);
  });

  it('when order numbers differ only in case, spaces, # and hyphens, then they compare equal', () => {
    assert.equal(orderNumberKey('es-2023 29324734'), orderNumberKey('#ES-2023-29324734'));
    assert.equal(normaliseOrderNumber('  203-1234567-1234567 '), '203-1234567-1234567');
    assert.equal(normaliseOrderNumber('ab'), null);
    assert.equal(normaliseOrderNumber('x'.repeat(41)), null);
  });

  it('when free text contains an activation code in any spacing, then it is masked; ordinary words are not', () => {
    assert.equal(
      maskActivationCodes('my code was TX684-V88U4-ASMZU-29U4Q ok'),
      'my code was XXXXX-XXXXX-XXXXX-XXXXX ok',
    );
    assert.equal(maskActivationCodes('tx684v88u4asmzu29u4q'), 'XXXXX-XXXXX-XXXXX-XXXXX');
    assert.equal(maskActivationCodes('TX684 V88U4 ASMZU 29U4Q'), 'XXXXX-XXXXX-XXXXX-XXXXX');
    assert.equal(maskActivationCodes('these words could never match'), 'these words could never match');
  });

  it('when a country is typed in any case or as UK, then it reads as ISO alpha-2; made-up codes are rejected', () => {
    assert.equal(normaliseCountry(' de '), 'DE');
    assert.equal(normaliseCountry('uk'), 'GB');
    assert.equal(normaliseCountry('XX'), null);
    assert.equal(normaliseCountry('EU'), null);
  });

  it('when references are generated, then they are RD- and 8 Crockford characters, read back case-insensitively', () => {
    for (let i = 0; i < 200; i++) assert.match(newReference(), /^RD-[0-9A-HJKMNP-TV-Z]{8}$/);
    assert.equal(normaliseReference('rd-7k2q9xwm'), 'RD-7K2Q9XWM');
    assert.equal(normaliseReference('RD-7K2Q9XWO'), 'RD-7K2Q9XW0');
    assert.equal(normaliseReference('RD-7K2Q9XW'), null);
  });
});
