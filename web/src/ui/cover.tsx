import { useState, type ReactNode } from 'react';

// Hues picked from the title so series without a cover still look distinct, not broken.
function hueOf(title: string): number {
  let hash = 0;
  for (const char of title) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}

export function Cover({ src, title, className }: { src: string | null; title: string; className?: string }): ReactNode {
  const [failed, setFailed] = useState(false);
  if (src && !failed) {
    return <img className={`cover ${className ?? ''}`} src={src} alt="" loading="lazy" onError={() => setFailed(true)} />;
  }
  const hue = hueOf(title);
  return (
    <div
      className={`cover cover--generated ${className ?? ''}`}
      style={{ background: `linear-gradient(160deg, hsl(${hue} 70% 38%), hsl(${(hue + 50) % 360} 60% 14%))` }}
      aria-hidden
    >
      <span>{[...title][0] ?? ''}</span>
    </div>
  );
}
