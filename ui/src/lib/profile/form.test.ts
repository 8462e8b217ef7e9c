import { expect, test } from 'vitest';
import { emptyForm, toInput, validate } from './form';

test('a new profile starts on the cloud server', () => {
  expect(emptyForm().baseUrl).toBe('https://api.trillian.im');
});

test('base URL and domain are checked before sending', () => {
  const v = { ...emptyForm(), domain: 'example.com' };
  expect(validate(v)).toEqual({});
  expect(validate({ ...v, baseUrl: 'api.trillian.im' }).baseUrl).toMatch(/full URL/);
  expect(validate({ ...v, baseUrl: 'http://chat.example.com' }).baseUrl).toMatch(/https/);
  expect(validate({ ...v, baseUrl: 'http://127.0.0.1:8080' })).toEqual({});
  expect(validate({ ...v, baseUrl: 'ftp://x.example' }).baseUrl).toBeDefined();
  expect(validate({ ...v, domain: '  ' }).domain).toBeDefined();
  expect(validate({ ...v, domain: 'a b' }).domain).toBeDefined();
});

test('the IPC input never carries the token', () => {
  const input = toInput({ ...emptyForm(), domain: ' example.com ', token: 'SECRET' });
  expect(JSON.stringify(input)).not.toContain('SECRET');
  expect(input.domain).toBe('example.com');
  expect(input.caCertificate).toEqual({ kind: 'keep' });
});
