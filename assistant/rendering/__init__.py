"""The renderer: see a product in another colour, in the shopper's photo, or decoded from words.

variants.py  catalog colour variants as training pairs, the product split and garment masks
colour.py    CIELAB, CIEDE2000, colour targets learned from the catalog and the LAB recolour baseline
segmenter.py the small net that predicts garment masks where no variants exist
diffusion.py the conditional diffusion UNet (diffusers) and its sampling loop
metrics.py   PSNR, SSIM, CIEDE2000 on a region; KID
renderer.py  puts them together: recolour, composite, imagine; renders stored content-addressed
"""
