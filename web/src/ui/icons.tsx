import type { ReactNode } from 'react';

/** Inline SVG glyphs: no icon font, no extra request, crisp at any size. */

export type GlyphProps = { size?: number };

/** The frame every glyph shares (also the shop's, web/src/shop/glyphs.tsx). */
export function Svg({ size = 24, children }: GlyphProps & { children: ReactNode }): ReactNode {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="currentColor" aria-hidden focusable="false">
      {children}
    </svg>
  );
}

export const PlayGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M8 5.14v13.72a1 1 0 0 0 1.52.85l10.98-6.86a1 1 0 0 0 0-1.7L9.52 4.29A1 1 0 0 0 8 5.14z" />
  </Svg>
);

export const SoundOffGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M4 9v6h4l5 4V5L8 9H4zm12.3 3 2.2-2.2-1.1-1.1-2.2 2.2-2.2-2.2-1.1 1.1 2.2 2.2-2.2 2.2 1.1 1.1 2.2-2.2 2.2 2.2 1.1-1.1-2.2-2.2z" />
  </Svg>
);

export const HomeGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M12 3.2 2.5 11h2.7v9h5.3v-5.5h3v5.5h5.3v-9h2.7L12 3.2z" />
  </Svg>
);

export const UserGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.1 0-8 2.1-8 5.2V21h16v-1.8c0-3.1-3.9-5.2-8-5.2z" />
  </Svg>
);

export const StudioGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M4 5h11a2 2 0 0 1 2 2v2.2l4-2.7v11l-4-2.7V17a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z" />
  </Svg>
);

export const HeartGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M12 20.7 10.6 19.4C5.4 14.7 2 11.6 2 7.8 2 4.7 4.4 2.3 7.5 2.3c1.7 0 3.4.8 4.5 2.1 1.1-1.3 2.8-2.1 4.5-2.1 3.1 0 5.5 2.4 5.5 5.5 0 3.8-3.4 6.9-8.6 11.6L12 20.7z" />
  </Svg>
);

export const ListGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M3 5h2v2H3V5zm4 0h14v2H7V5zm-4 6h2v2H3v-2zm4 0h14v2H7v-2zm-4 6h2v2H3v-2zm4 0h14v2H7v-2z" />
  </Svg>
);

export const LockGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M17 9V7A5 5 0 0 0 7 7v2H5v12h14V9h-2zM9 7a3 3 0 0 1 6 0v2H9V7zm3 10a2 2 0 1 1 0-4 2 2 0 0 1 0 4z" />
  </Svg>
);

export const BackGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M15.4 4.6 8 12l7.4 7.4 1.4-1.4-6-6 6-6-1.4-1.4z" />
  </Svg>
);

export const CoinGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <circle cx="12" cy="12" r="9" fill="#f5b400" />
    <circle cx="12" cy="12" r="6.2" fill="none" stroke="#8a5a00" strokeWidth="1.4" />
    <path d="M10.6 8.5h2.8v7h-2.8z" fill="#8a5a00" />
  </Svg>
);

export const GlobeGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm6.9 6h-2.9a15.7 15.7 0 0 0-1.4-3.6A8 8 0 0 1 18.9 8zM12 4c.8 1.2 1.5 2.5 1.9 4h-3.8c.4-1.5 1.1-2.8 1.9-4zM4.3 14a8.2 8.2 0 0 1 0-4h3.4a16.5 16.5 0 0 0 0 4H4.3zm.8 2H8c.3 1.3.8 2.5 1.4 3.6A8 8 0 0 1 5.1 16zM8 8H5.1a8 8 0 0 1 4.3-3.6C8.8 5.5 8.4 6.7 8 8zm4 12c-.8-1.2-1.5-2.5-1.9-4h3.8c-.4 1.5-1.1 2.8-1.9 4zm2.3-6H9.7a14.7 14.7 0 0 1 0-4h4.6a14.7 14.7 0 0 1 0 4zm.3 5.6c.6-1.1 1.1-2.3 1.4-3.6h2.9a8 8 0 0 1-4.3 3.6zM16.3 14a16.5 16.5 0 0 0 0-4h3.4a8.2 8.2 0 0 1 0 4h-3.4z" />
  </Svg>
);

export const PlusGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6V5z" />
  </Svg>
);

export const CheckGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="m9.5 16.2-4.2-4.2-1.4 1.4 5.6 5.6 11-11-1.4-1.4-9.6 9.6z" />
  </Svg>
);
