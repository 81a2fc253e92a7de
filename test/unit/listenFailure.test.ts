import { describe, expect, it } from 'vitest';
import { ListenError, listenFailure } from '../../server/listenFailure.ts';

const errno = (code: string) => Object.assign(new Error(`listen ${code}: raw`), { code });

describe('listenFailure', () => {
  it('EACCES (a port below 1024 without root): names the port, PORT and the default', () => {
    const e = listenFailure(errno('EACCES'), { port: 80, host: '0.0.0.0' });
    expect(e).toBeInstanceOf(ListenError);
    expect(e.message).toBe('port 80 is not permitted for this user (EACCES on 0.0.0.0): ports below 1024 need root; set PORT to 1024 or above (the default is 8080) and put a proxy or a Docker port mapping in front');
  });

  it('EADDRINUSE suggests the next port, and a valid one at the top of the range', () => {
    expect(listenFailure(errno('EADDRINUSE'), { port: 8080, host: '0.0.0.0' }).message).toContain('set PORT to a free port (e.g. PORT=8081)');
    expect(listenFailure(errno('EADDRINUSE'), { port: 65535, host: '0.0.0.0' }).message).toContain('(e.g. PORT=8080)');
  });

  it('any other error comes back as it was', () => {
    const other = errno('EMFILE');
    expect(listenFailure(other, { port: 8080, host: '0.0.0.0' })).toBe(other);
  });
});
