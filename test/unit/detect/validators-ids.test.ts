import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bad, ok } from '../../helpers/validators.js';


const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });
const sum = (ds: readonly number[], ws: readonly number[]) => ds.reduce((s, d, i) => s + d * (ws[i] ?? 0), 0);

/** Every value obtained by changing one digit of `value` (at a digit position in `positions`). */
function oneDigitChanges(value: string, positions: readonly number[]): string[] {
  const out: string[] = [];
  for (const p of positions) {
    for (let k = 1; k <= 9; k++) {
      const d = (value.charCodeAt(p) - 48 + k) % 10;
      out.push(value.slice(0, p) + String(d) + value.slice(p + 1));
    }
  }
  return out;
}
const allDigits = (s: string) => [...s].flatMap((c, i) => (/[0-9]/.test(c) ? [i] : []));

// --- independent reference implementations ---------------------------------------------------

const nhs = (nine: number[]): string | undefined => {
  const c = 11 - (sum(nine, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  return c === 10 ? undefined : nine.join('') + String(c === 11 ? 0 : c);
};
const luhnDigit = (payload: string): string => {
  let s = 0;
  [...payload].reverse().forEach((ch, i) => {
    let d = Number(ch) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    s += d;
  });
  return payload + String((10 - (s % 10)) % 10);
};
const dniLetter = (n: number) => 'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23] ?? '';
const pesel = (six: string, four: number[]): string => {
  const body = [...six].map(Number).concat(four);
  return body.join('') + String((10 - (sum(body, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10);
};
const bsnValid = (ds: number[]) => (sum(ds.slice(0, 8), [9, 8, 7, 6, 5, 4, 3, 2]) - (ds[8] ?? 0)) % 11 === 0;
const nirKey = (thirteen: string) => String(97 - Number(BigInt(thirteen) % 97n)).padStart(2, '0');
const cnpj = (twelve: number[]): string => {
  const dv = (ds: number[], ws: number[]) => {
    const r = sum(ds, ws) % 11;
    return r < 2 ? 0 : 11 - r;
  };
  const a = [...twelve, dv(twelve, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])];
  return [...a, dv(a, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])].join('');
};

// ---------------------------------------------------------------------------------------------

describe('us-itin', () => {
  it('accepts ITIN groups in every SSN shape', () => {
    for (const s of ['911-70-1234', '911-53-1234', '911-64-1234', '911 92 1234', '911.99.1234', '911-701234', '91170-1234', '911701234']) ok('us-itin', s);
  });
  it('rejects other areas and groups', () => {
    bad('us-itin', '811-70-1234', /area/);
    for (const g of ['00', '49', '66', '69', '89', '93']) bad('us-itin', `911-${g}-1234`, /group/);
    bad('us-itin', '911-70-0000', /serial/);
    bad('us-itin', '999-99-9999', /same/);
    bad('us-itin', '911-70 1234', /format/);
  });
});

describe('uk-nino', () => {
  it('accepts issued prefixes with suffix A-D, any case and spacing', () => {
    for (const s of ['AB123456C', 'AB 12 34 56 C', 'jg 103759 a', 'tw987654a', 'PR 123612C', 'ZY 61 48 68 D']) ok('uk-nino', s);
  });
  it('rejects unissued letters, reserved prefixes and other suffixes', () => {
    for (const s of ['DA123456A', 'FA123456A', 'QQ123456C', 'UV987654B']) bad('uk-nino', s, /first letter/);
    for (const s of ['AD123456A', 'AO123456A', 'AV123456A']) bad('uk-nino', s, /second letter/);
    for (const p of ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']) bad('uk-nino', `${p}123456A`, /reserved/);
    bad('uk-nino', 'AA123456E', /format/);
    bad('uk-nino', 'AA12345C', /format/);
  });
});

describe('nhs-mod11', () => {
  it('accepts generated numbers with their check digit, grouped or not', () => {
    fc.assert(
      fc.property(digits(9), (nine) => {
        const n = nhs(nine);
        fc.pre(n !== undefined && !/^(\d)\1+$/.test(n));
        const s = n as string;
        ok('nhs-mod11', s);
        ok('nhs-mod11', `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}`);
        ok('nhs-mod11', `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6)}`);
      }),
    );
  });
  it('rejects every single-digit change', () => {
    for (const s of oneDigitChanges('4010232137', allDigits('4010232137'))) bad('nhs-mod11', s);
  });
  it('rejects check remainder 10, mixed separators and repeated digits', () => {
    bad('nhs-mod11', '0000000000', /same/);
    bad('nhs-mod11', '401 023-2137', /10 digits/);
    // a 9-digit body whose remainder leaves check value 10 has no valid NHS number at all
    let body: number[] | undefined;
    for (let n = 100_000_000; body === undefined; n++) {
      const ds = [...String(n)].map(Number);
      if (nhs(ds) === undefined) body = ds;
    }
    for (let d = 0; d <= 9; d++) bad('nhs-mod11', body.join('') + String(d), /remainder 1/);
  });
});

describe('ca-sin', () => {
  it('accepts Luhn-valid SINs in three shapes', () => {
    for (const s of ['130 692 544', '130-692-544', '130692544', '948 584 792']) ok('ca-sin', s);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), digits(7), (first, rest) => {
        const sin = luhnDigit(String(first === 8 ? 9 : first) + rest.join(''));
        fc.pre(!/^(\d)\1+$/.test(sin));
        ok('ca-sin', sin);
      }),
    );
  });
  it('rejects bad checksums, prefixes 0 and 8, and mixed separators', () => {
    for (const s of oneDigitChanges('130692544', [1, 4, 8])) bad('ca-sin', s);
    bad('ca-sin', '046 454 286', /0 or 8/);
    bad('ca-sin', '812 345 678', /0 or 8/);
    bad('ca-sin', '046-454 286', /9 digits/);
  });
});

describe('de-tax-id', () => {
  it('accepts ids with one repeated digit and the ISO 7064 check digit', () => {
    for (const s of ['86095742719', '11913476808', '87198840368', '37 948 406 158']) ok('de-tax-id', s);
  });
  it('rejects wrong check digits, leading zero and digit-repetition violations', () => {
    bad('de-tax-id', '86095742710', /check digit/);
    bad('de-tax-id', '06095742719', /start with 0/);
    bad('de-tax-id', '12345678903', /repeated/); // all ten digits distinct
    bad('de-tax-id', '11111111111', /repeated/);
    bad('de-tax-id', '11123456789', /in a row/);
    bad('de-tax-id', '8609574271', /11 digits/);
  });
});

describe('es-dni', () => {
  it('accepts DNIs and NIEs with the mod-23 letter, any case and separators', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), (n) => {
        ok('es-dni', `${String(n).padStart(8, '0')}${dniLetter(n)}`);
      }),
    );
    for (const s of ['Z8078221M', 'X9613851N', 'Y8063915-Z', 'x9613851n', '55555555-K', '1111111-G']) ok('es-dni', s);
  });
  it('rejects wrong letters and shapes', () => {
    bad('es-dni', 'Y8063915Q', /mod 23/);
    bad('es-dni', '12345678A', /mod 23/);
    bad('es-dni', 'W8063915Q', /format/);
    bad('es-dni', 'X80639155Z', /7 digits/);
  });
});

describe('it-codice-fiscale', () => {
  it('accepts known-good codes, homocode variants included', () => {
    for (const s of ['RSSMRA85T10A562S', 'AAAAAA00B11C333Y', 'QYVPBF79L28F468U', 'rssmra85t10a562s']) ok('it-codice-fiscale', s);
  });
  it('rejects a wrong check letter, month letter or day', () => {
    bad('it-codice-fiscale', 'RSSMRA85T10A562T', /check/);
    bad('it-codice-fiscale', 'RSSMRA85F10A562S', /month/);
    bad('it-codice-fiscale', 'RSSMRA85T32A562S', /day/);
    bad('it-codice-fiscale', 'A55AAA00B11C333N', /format/);
  });
});

describe('fr-nir', () => {
  it('accepts NIRs with the mod-97 key, Corsica included', () => {
    for (const body of ['1841276451089', '2540124998015', '1991099123456']) {
      const s = body + nirKey(body);
      ok('fr-nir', s);
      ok('fr-nir', `${s.slice(0, 1)} ${s.slice(1, 3)} ${s.slice(3, 5)} ${s.slice(5, 7)} ${s.slice(7, 10)} ${s.slice(10, 13)} ${s.slice(13)}`);
    }
    const corsica = '18412' + '2A' + '451089';
    ok('fr-nir', corsica + nirKey(corsica.replace('2A', '19')));
  });
  it('rejects wrong keys, months and sex digits', () => {
    const s = '1841276451089' + nirKey('1841276451089');
    for (const x of oneDigitChanges(s, [13, 14])) bad('fr-nir', x, /key/);
    bad('fr-nir', '1841376451089' + nirKey('1841376451089'), /month/);
    bad('fr-nir', '5841276451089' + nirKey('5841276451089'), /13 characters/);
  });
});

describe('nl-bsn', () => {
  it('accepts numbers passing the 11-proef, with or without the leading zero', () => {
    fc.assert(
      fc.property(digits(9), (ds) => {
        fc.pre(bsnValid(ds) && !ds.every((d) => d === ds[0]));
        ok('nl-bsn', ds.join(''));
      }),
    );
    ok('nl-bsn', '111222333');
    ok('nl-bsn', '1112.22.333');
    ok('nl-bsn', '12345672'); // 012345672
  });
  it('rejects numbers failing it', () => {
    bad('nl-bsn', '123456789', /11-proef/);
    bad('nl-bsn', '000000000', /same/);
    bad('nl-bsn', '1234567', /9 digits/);
  });
});

describe('pl-pesel', () => {
  it('accepts generated numbers in every century', () => {
    for (const six of ['440514', '020708', '852216', '993112', '008228', '994501', '016331']) {
      fc.assert(fc.property(digits(4), (four) => ok('pl-pesel', pesel(six, four))));
    }
    ok('pl-pesel', '44051401458');
  });
  it('rejects wrong check digits and impossible dates', () => {
    bad('pl-pesel', '44051401459', /check digit/);
    bad('pl-pesel', pesel('851331', [1, 2, 3, 4]), /date/);
    bad('pl-pesel', pesel('850230', [1, 2, 3, 4]), /date/);
    bad('pl-pesel', '4405140145', /11 digits/);
  });
});

describe('cnpj', () => {
  it('accepts generated numbers, plain and formatted', () => {
    fc.assert(
      fc.property(digits(12), (twelve) => {
        const s = cnpj(twelve);
        fc.pre(!/^(\d)\1+$/.test(s));
        ok('cnpj', s);
        ok('cnpj', `${s.slice(0, 2)}.${s.slice(2, 5)}.${s.slice(5, 8)}/${s.slice(8, 12)}-${s.slice(12)}`);
      }),
    );
  });
  it('rejects changed check digits and other shapes', () => {
    for (const s of oneDigitChanges('11444777000161', [12, 13])) bad('cnpj', s, /check digits/);
    bad('cnpj', '11111111111111', /same/);
    bad('cnpj', '11.444.777/0001', /14 digits/);
  });
});

describe('aba-routing', () => {
  it('accepts routing numbers with the 3-7-1 checksum', () => {
    for (const s of ['121000358', '121042882', '011402147', '3222-7162-7']) ok('aba-routing', s);
  });
  it('rejects bad checksums and prefixes', () => {
    bad('aba-routing', '121000359', /checksum/);
    bad('aba-routing', '911402147', /prefix/);
    bad('aba-routing', '12100035', /9 digits/);
  });
});

describe('mx-clabe', () => {
  // Written apart from the validator: each digit times 3, 7, 1, ... mod 10, summed; the check digit
  // brings the sum to a multiple of ten.
  const clabe = (seventeen: number[]): string => {
    const w = [3, 7, 1];
    const s = seventeen.reduce((acc, d, i) => acc + ((d * (w[i % 3] ?? 0)) % 10), 0);
    return seventeen.join('') + String((10 - (s % 10)) % 10);
  };
  it('accepts the published example and numbers built with their check digit', () => {
    ok('mx-clabe', '032180000118359719');
    expect(clabe([0, 3, 2, 1, 8, 0, 0, 0, 0, 1, 1, 8, 3, 5, 9, 7, 1])).toBe('032180000118359719');
    fc.assert(
      fc.property(digits(17), (d) => {
        const value = clabe(d);
        if (/^(\d)\1*$/.test(value)) return;
        ok('mx-clabe', value);
        for (const changed of oneDigitChanges(value, [17])) bad('mx-clabe', changed, /check digit/);
      }),
    );
  });
  it('rejects other lengths and a run of one digit', () => {
    bad('mx-clabe', '03218000011835971', /18 digits/);
    bad('mx-clabe', '0321800001183597190', /18 digits/);
    bad('mx-clabe', '000000000000000000', /same/);
  });
});

describe('mrz-td3', () => {
  // Written apart from the validator: each character's value (digit, A=10 .. Z=35, < = 0) times
  // 7, 3, 1 in turn, summed, mod 10.
  const cd = (field: string): string => {
    const v = (c: string): number => (/[0-9]/.test(c) ? Number(c) : c === '<' ? 0 : c.charCodeAt(0) - 'A'.charCodeAt(0) + 10);
    return String([...field].reduce((acc, c, i) => acc + v(c) * ([7, 3, 1][i % 3] ?? 0), 0) % 10);
  };
  const line = (doc: string, birth: string, expiry: string, personal: string): string => {
    const a = doc + cd(doc);
    const b = birth + cd(birth);
    const c = expiry + cd(expiry);
    const p = /^<+$/.test(personal) ? `${personal}<` : personal + cd(personal);
    return `${a}UTO${b}F${c}${p}${cd(a + b + c + p)}`;
  };
  it("accepts ICAO's examples and lines built with their check digits", () => {
    ok('mrz-td3', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10');
    ok('mrz-td3', 'L898902C<3UTO6908061F9406236ZE184226B<<<<<14');
    expect(line('L898902C3', '740812', '120415', 'ZE184226B<<<<<')).toBe('L898902C36UTO7408122F1204159ZE184226B<<<<<10');
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9]{9}$/), fc.integer({ min: 0, max: 9999 }), (doc, n) => {
        const value = line(doc, `8${n % 10}0${(n % 9) + 1}1${n % 10}`, `3${n % 10}1${(n % 2) + 1}2${n % 10}`, '<<<<<<<<<<<<<<');
        ok('mrz-td3', value);
        for (const changed of oneDigitChanges(value, [9, 19, 27, 43])) bad('mrz-td3', changed, /check digit/);
      }),
    );
  });
  it('rejects another layout and a date that is no calendar date', () => {
    bad('mrz-td3', 'L898902C36UTO7408122F1204159ZE184226B<<<<<1', /44 characters/);
    bad('mrz-td3', line('L898902C3', '741312', '120415', '<<<<<<<<<<<<<<'), /date of birth/);
    bad('mrz-td3', line('L898902C3', '740812', '120231', '<<<<<<<<<<<<<<'), /expiry/);
  });
});

describe('Australian identifiers', () => {
  it('accept valid TFN, ABN, ACN and Medicare numbers', () => {
    for (const s of ['876 543 210', '876543210', '465964728']) ok('au-tfn', s);
    for (const s of ['51 824 753 556', '51824753556']) ok('au-abn', s);
    for (const s of ['000 000 019', '005 499 981', '006249976']) ok('au-acn', s);
    for (const s of ['2123 45670 1', '2123456701']) ok('au-medicare', s);
  });
  it('reject wrong checksums and shapes', () => {
    bad('au-tfn', '824 753 557', /checksum/);
    bad('au-abn', '52824753556', /checksum/);
    bad('au-acn', '824 753 557', /check digit/);
    bad('au-medicare', '2123 25870 1', /check digit/);
    bad('au-medicare', '7123456701', /2-6/);
    bad('au-tfn', '123 456\n789', /digits/);
  });
});

describe('in-pan', () => {
  it('accepts holder classes in the 4th letter', () => {
    for (const s of ['ABBPM4567S', 'AAACR5055K', 'bnzpm2501f', 'AAAHA1111R']) ok('in-pan', s);
  });
  it('rejects other 4th letters, the 0000 sequence and other shapes', () => {
    bad('in-pan', 'ABCND1234Z', /holder/);
    bad('in-pan', 'ABBPM0000S', /0000/);
    bad('in-pan', 'A1111DFSFS', /format/);
  });
});

describe('jp-my-number', () => {
  // The check digit by the published rule, written apart from the validator: weights 2..7 then 2..6
  // over the 11 digits read from the right.
  const check = (d: readonly number[]) => {
    const r = sum([...d].reverse(), [2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6]) % 11;
    return r <= 1 ? 0 : 11 - r;
  };

  it('accepts a number whose last digit is its check digit, grouped or not, and no other digit there', () => {
    ok('jp-my-number', '123456789018');
    ok('jp-my-number', '1234 5678 9018');
    bad('jp-my-number', '123456789012');
    bad('jp-my-number', '111111111111');
    bad('jp-my-number', '12345678901');
    fc.assert(
      fc.property(digits(11), fc.integer({ min: 1, max: 9 }), (d, shift) => {
        const c = check(d);
        if (d.every((x) => x === d[0]) && c === d[0]) return;
        ok('jp-my-number', d.join('') + String(c));
        bad('jp-my-number', d.join('') + String((c + shift) % 10));
      }),
    );
  });
});
