import type { ViewContext } from '../context.ts';
import { BareLayout, Notice } from '../layout.tsx';

/** `back`: the page a refused form came from, to load it again (a fresh form); else the dashboard. */
export function ErrorPage({ ctx, message, back }: { ctx: ViewContext; message: string; back?: string }) {
  return (
    <BareLayout ctx={ctx} title={ctx.t('error.title')}>
      <Notice kind="bad">{message}</Notice>
      <p>{back ? <a href={back}>{ctx.t('error.csrf.back')}</a> : <a href="/">{ctx.t('nav.dashboard')}</a>}</p>
    </BareLayout>
  );
}
